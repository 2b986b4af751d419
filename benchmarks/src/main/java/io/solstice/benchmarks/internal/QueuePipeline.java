package io.solstice.benchmarks.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The hand-written reference for overlap: a reader thread that sleeps L per batch and puts it
 * into an {@link ArrayBlockingQueue} of the same capacity as the engine's prefetch, and the
 * calling thread that takes each batch and spins C. What the machine's scheduler allows,
 * without any framework.
 */
public final class QueuePipeline {

  private QueuePipeline() {}

  /**
   * Runs the pipeline to the end.
   *
   * @param batches how many batches
   * @param sourceMs L
   * @param stepMs C
   * @param capacity the queue's capacity
   */
  public static void run(int batches, int sourceMs, int stepMs, int capacity) {
    BlockingQueue<Long> queue = new ArrayBlockingQueue<>(capacity);
    Thread reader = new Thread(() -> {
      try {
        for (long i = 0; i < batches; i++) {
          Thread.sleep(sourceMs);
          queue.put(i);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "queue-pipeline-reader");
    reader.start();
    try {
      for (int i = 0; i < batches; i++) {
        queue.take();
        Timer.spin(TimeUnit.MILLISECONDS.toNanos(stepMs));
      }
      reader.join();
    } catch (InterruptedException e) {
      reader.interrupt();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring", e);
    }
  }
}
