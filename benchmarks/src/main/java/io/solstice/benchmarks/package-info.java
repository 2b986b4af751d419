/**
 * The Solstice benchmark harness: A/B comparisons run interleaved in one process, reported as
 * medians, min-max and pair ratios, as text or one JSON object. Entry point: {@link
 * io.solstice.benchmarks.Bench}; JMH benchmarks in {@code io.solstice.benchmarks.jmh}.
 */
package io.solstice.benchmarks;
