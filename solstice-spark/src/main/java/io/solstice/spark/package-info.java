/**
 * Solstice on Apache Spark 4.0: data-parallel training of the same experiment a user trains
 * locally, by rounds of local steps on each partition's Arrow batches and parameter averaging
 * on the driver. Start at {@link io.solstice.spark.SparkTrainer}; data comes in as
 * {@link io.solstice.spark.TrainingShards}. Spark is a {@code provided} dependency: the
 * cluster (or {@code spark-submit}) supplies it.
 */
package io.solstice.spark;
