package io.solstice.benchmarks.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.DoubleSupplier;

/**
 * The CPU time of a run's training thread, next to the wall-clock throughput the harness
 * reports. On a machine shared with other processes, wall time swings with their load while
 * the CPU time the training thread spends on a run (its steps, the engine's work around them,
 * synchronous subscribers, hand-overs to asynchronous ones) does not, so a small per-step cost
 * shows in it when wall-clock ratios are lost in the noise.
 *
 * <p>With {@code OMP_NUM_THREADS=1} the whole step runs on the training thread, so its CPU time
 * is the run's cost; with more OpenMP threads, ND4J hands part of each step to its own threads
 * and this covers only the training thread's share, which then swings with the load.
 *
 * <p>Give it to the run as its {@code stepThreadFactory}: the thread it makes records its CPU
 * time when it exits, which the run's end brings about; {@link #throughput} waits for that
 * exit.
 */
public final class TrainingThreadCpu implements ThreadFactory {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final List<Double> perCpuSecond = new ArrayList<>();
  private volatile Thread thread;
  private volatile long cpuNanos = -1;

  @Override
  public Thread newThread(Runnable work) {
    Thread t = new Thread(() -> {
      try {
        work.run();
      } finally {
        cpuNanos = THREADS.getCurrentThreadCpuTime();
      }
    }, "solstice-step-measured");
    t.setDaemon(true);
    thread = t;
    return t;
  }

  /**
   * Wraps a measurement of one run made with this factory: runs the body, returns its units per
   * wall-clock second (as {@link Timer#throughput}) and records its units per second of the
   * training thread's CPU time.
   *
   * @param units how much work the body does
   * @param body one run using this factory
   * @return the measurement, for {@link Interleaved}
   */
  public DoubleSupplier throughput(double units, Runnable body) {
    return () -> {
      cpuNanos = -1;
      double wall = Timer.throughput(units, body);
      try {
        thread.join(10_000); // the run shut its training thread down when it ended
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the training thread", e);
      }
      if (cpuNanos < 0) {
        throw new IllegalStateException("the run's training thread did not end within 10 s");
      }
      perCpuSecond.add(units / (cpuNanos / 1e9));
      return wall;
    };
  }

  /**
   * The training-thread throughputs (units per CPU second) of the last {@code runs} runs.
   *
   * @param runs how many
   * @return them, oldest first
   */
  public double[] lastThroughputs(int runs) {
    double[] last = new double[runs];
    for (int i = 0; i < runs; i++) {
      last[i] = perCpuSecond.get(perCpuSecond.size() - runs + i);
    }
    return last;
  }

  /**
   * The pair ratios A/B of the training-thread throughputs of the last {@code pairs} runs.
   *
   * @param a the first contender's meter
   * @param b the second contender's meter
   * @param pairs the measured pairs
   * @return the summary of A/B per pair
   */
  public static Summary ratio(TrainingThreadCpu a, TrainingThreadCpu b, int pairs) {
    double[] ratios = new double[pairs];
    int offsetA = a.perCpuSecond.size() - pairs;
    int offsetB = b.perCpuSecond.size() - pairs;
    for (int i = 0; i < pairs; i++) {
      ratios[i] = a.perCpuSecond.get(offsetA + i) / b.perCpuSecond.get(offsetB + i);
    }
    return Summary.of(ratios);
  }
}
