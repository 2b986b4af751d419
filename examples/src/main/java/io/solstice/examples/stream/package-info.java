/**
 * Online learning from an unbounded stream ({@code solstice stream}): the sources (the rotating
 * hyperplane served over Arrow Flight on loopback, a user's Flight endpoint, a Kafka topic), the
 * schema contract their batches must meet, the models, drift detection and reactions, the run,
 * its summary, and the tracking of recovery after a drift.
 */
package io.solstice.examples.stream;
