/**
 * Online learning from an unbounded, drifting stream served over Arrow Flight: the rotating
 * hyperplane generator, the run, and the tracking of recovery after a drift.
 */
package io.solstice.examples.stream;
