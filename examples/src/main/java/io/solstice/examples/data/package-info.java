/**
 * Data for the examples: writing labelled Arrow IPC files, surveying a table's columns and
 * classes, and writing output files whole or not at all ({@link
 * io.solstice.examples.data.OutputFiles}).
 */
package io.solstice.examples.data;
