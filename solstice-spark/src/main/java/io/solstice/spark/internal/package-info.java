/** Internals of the Spark trainer: the executor tasks, state encoding and averaging. */
package io.solstice.spark.internal;
