/**
 * Helpers for hand-written ND4J experiments: {@link io.solstice.core.nd4j.Parameters} (named
 * parameters as views into one flat buffer, initialised by seeded
 * {@link io.solstice.core.nd4j.Initializer}s), and the {@link io.solstice.core.nd4j.Optimizer}
 * that applies ND4J's own updaters, {@link io.solstice.core.nd4j.GradientClipping},
 * regularisation and learning-rate schedules, with its state exposed by name; and
 * {@link io.solstice.core.nd4j.OpProfilerLease}, exclusive use of ND4J's process-wide op
 * profiler.
 */
package io.solstice.core.nd4j;
