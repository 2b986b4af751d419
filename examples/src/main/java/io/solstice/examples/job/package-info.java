/**
 * The training job shared by {@code digits}, {@code train} and {@code resume}: an MLP classifier
 * or regressor trained through the reactive engine on Arrow sources with the built-in
 * callbacks, tested and reported; and the {@code job.json} that lets {@code resume} rebuild it.
 */
package io.solstice.examples.job;
