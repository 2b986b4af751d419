package io.solstice.benchmarks.internal;

/** Wall-clock timing of one run, as a throughput. */
public final class Timer {

  private Timer() {}

  /**
   * Runs the body and returns {@code units} per second of wall time.
   *
   * @param units how much work the body does (samples, bytes, steps)
   * @param body the work
   * @return units per second
   */
  public static double throughput(double units, Runnable body) {
    long start = System.nanoTime();
    body.run();
    long nanos = System.nanoTime() - start;
    return units / (nanos / 1e9);
  }

  /**
   * Spins (without sleeping) for the given time: a stand-in for compute that keeps one core
   * busy, unlike {@code Thread.sleep}.
   *
   * @param nanos how long
   * @return a value derived from the spin, so it cannot be optimised away
   */
  public static long spin(long nanos) {
    long end = System.nanoTime() + nanos;
    long x = 0;
    while (System.nanoTime() < end) {
      x += x * 31 + 7;
    }
    return x;
  }
}
