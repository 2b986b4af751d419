package io.solstice.benchmarks.internal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.DoubleSupplier;

/**
 * One long-lived worker thread that runs the plain-loop baselines.
 *
 * <p>Why not the calling thread: on the machine the published numbers come from, ND4J steps
 * called from the JVM's main thread ran several times slower than the same steps on any other
 * thread whenever {@code OMP_NUM_THREADS} was above 1 (see docs/BENCHMARKS.md), which would
 * flatter the engine (its step thread is never the main thread). A dedicated, reused thread is
 * the best case for a hand-written loop.
 */
public final class DedicatedThread implements AutoCloseable {

  private final ExecutorService executor;

  /**
   * Starts the thread.
   *
   * @param name its name
   */
  public DedicatedThread(String name) {
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Wraps a measurement so that it runs on this thread.
   *
   * @param measurement the measurement
   * @return the same measurement, run here and waited for
   */
  public DoubleSupplier wrap(DoubleSupplier measurement) {
    return () -> {
      Future<Double> result = executor.submit(measurement::getAsDouble);
      try {
        return result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while measuring", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("the measurement failed: " + e.getCause(), e.getCause());
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
