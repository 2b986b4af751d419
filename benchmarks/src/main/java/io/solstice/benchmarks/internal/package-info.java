/** Timing, statistics, synthetic data and test doubles behind the benchmarks. Not an API. */
package io.solstice.benchmarks.internal;
