package io.solstice.arrow;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;

/**
 * A registry of batches emitted and not yet closed, to close the ones a pipeline dropped.
 *
 * <p>Why: reactor-core 3.8.8 can drop items queued in {@code publishOn} on cancellation
 * without passing them to the discard hook. Register batches as they leave the source with
 * {@link #track(Flux)} and call {@link #closeAll()} when the pipeline has ended, on the thread
 * that runs the steps (after the step in progress), so nothing is closed under a running step.
 * Thread-safe.
 */
public final class LiveBatches {
  private final Set<ArrowBatch> live = ConcurrentHashMap.newKeySet();

  /** Creates an empty registry. */
  public LiveBatches() {}

  /**
   * Registers every batch the source emits (forgetting those already closed as it goes).
   *
   * @param source the batches
   * @return the same batches, registered
   */
  public Flux<ArrowBatch> track(Flux<ArrowBatch> source) {
    return source.doOnNext(b -> {
      live.removeIf(ArrowBatch::isClosed);
      live.add(b);
    });
  }

  /**
   * The number of registered batches not yet closed.
   *
   * @return the count of open batches
   */
  public int openCount() {
    live.removeIf(ArrowBatch::isClosed);
    return live.size();
  }

  /** Closes every registered batch not yet closed. */
  public void closeAll() {
    for (ArrowBatch b : live) {
      b.close();
    }
    live.clear();
  }
}
