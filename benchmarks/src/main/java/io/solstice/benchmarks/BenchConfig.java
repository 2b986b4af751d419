package io.solstice.benchmarks;

/**
 * How much work each benchmark does. {@link #full()} is what the published numbers use;
 * {@link #quick()} runs every benchmark end to end in seconds with small sizes, to check that
 * the harness works (its timings mean nothing).
 *
 * @param warmupPairs A/B pairs run before measuring
 * @param pairs measured A/B pairs
 * @param overheadPairs measured pairs of the engine-overhead comparisons, whose pairs scatter
 *     by 10-15% on the 2-core machine while the gap they measure is a few percent: more pairs
 *     narrow the median
 * @param engineWarmupSteps engine steps run before measuring an engine run against a plain loop
 *     of the same model: the JIT compiles the engine's per-step code with its optimizing
 *     compiler only after about 5,000 steps, and after 10 pairs of 80 steps the first measured
 *     pairs ran part of it in its first, profiling tier
 * @param trainRows rows per training epoch (MNIST-shaped)
 * @param testRows rows for the accuracy check
 * @param ingestRows rows in the Arrow file read by the ingest benchmark
 * @param overlapBatches batches per overlap run
 * @param overlapMillis the source latency L and step cost C of the overlap benchmark
 * @param inflightBatches batches per in-flight run
 * @param smallMlpRows rows per epoch of the 784-300-100-10 batch-32 benchmark
 * @param manyRuns concurrent runs of the many-runs benchmark
 * @param manyRunsSeconds how long the many-runs benchmark counts steps
 * @param onlineRows rows per stream of the online comparison with MOA (a multiple of 10,000)
 * @param processRounds rounds of the comparisons whose settings each need a JVM of their own (with
 *     PyTorch, and OpenBLAS's idle wait): each round runs every setting once
 * @param crossFrameworkWarmupEpochs untimed epochs per shape in each process of the comparison with
 *     PyTorch
 * @param crossFrameworkEpochs timed epochs per shape in each process of the comparison with PyTorch
 */
public record BenchConfig(
    int warmupPairs,
    int pairs,
    int overheadPairs,
    int engineWarmupSteps,
    int trainRows,
    int testRows,
    int ingestRows,
    int overlapBatches,
    int overlapMillis,
    int inflightBatches,
    int smallMlpRows,
    int manyRuns,
    int manyRunsSeconds,
    int onlineRows,
    int processRounds,
    int crossFrameworkWarmupEpochs,
    int crossFrameworkEpochs) {

  /**
   * The sizes behind the published numbers.
   *
   * @return the full configuration
   */
  public static BenchConfig full() {
    return new BenchConfig(10, 21, 61, 8_000, 10_240, 2_000, 50_000, 60, 10, 400, 6_400, 1_000, 60, 1_000_000, 5, 6, 10);
  }

  /**
   * The warm-up pairs of a comparison whose side A runs a model's steps, in the engine or in a
   * plain loop: enough for the JIT to have compiled the per-step code.
   *
   * @param engineStepsPerRun the steps of one run of side A
   * @return enough pairs for {@link #engineWarmupSteps()}, and at least {@link #warmupPairs()}
   */
  public int engineWarmupPairs(int engineStepsPerRun) {
    return Math.max(warmupPairs, (engineWarmupSteps + engineStepsPerRun - 1) / engineStepsPerRun);
  }

  /**
   * Small sizes: every benchmark runs end to end in a few seconds.
   *
   * @return the quick configuration
   */
  public static BenchConfig quick() {
    return new BenchConfig(1, 2, 2, 1, 384, 256, 1_024, 6, 3, 30, 192, 50, 2, 20_000, 1, 1, 2);
  }
}
