package io.solstice.cuda.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.LiveBatches;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The prefetch-stage copy operator: {@code Flux<ArrowBatch>} to {@code Flux<T>}, where a copy
 * function turns each Arrow batch into something that no longer needs it (a batch on the
 * device). Batches cross to a copy thread of the subscription's own through {@code publishOn},
 * which requests {@code prefetch} batches ahead; each is copied there, in arrival order, and
 * closed as soon as its copy function returned, which returns only once the copy completed.
 *
 * <p>It knows nothing of the engine: any consumer that requests ahead (the engine's step
 * thread, {@code toIterable(n)}) gets copies that overlap its own work. Ownership: each Arrow
 * batch is closed exactly once, by this operator: after its copy, when the copy fails (the
 * flux then fails with that error), or, for batches still queued, when the flux is cancelled
 * or fails.
 */
public final class PrefetchCopy {

  private PrefetchCopy() {}

  /**
   * Applies the copy stage.
   *
   * @param batches the Arrow batches, owned by this operator
   * @param copy copies one open batch and returns the result, or null to skip the batch;
   *     runs on the copy thread and must not keep references into the batch
   * @param prefetch how many batches to request ahead, at least 1
   * @param threadName the copy thread's name
   * @param <T> the copied batch type
   * @return the copies
   */
  public static <T> Flux<T> apply(
      Flux<ArrowBatch> batches, Function<ArrowBatch, T> copy, int prefetch, String threadName) {
    Objects.requireNonNull(batches, "batches");
    Objects.requireNonNull(copy, "copy");
    if (prefetch < 1) {
      throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
    }
    return Flux.defer(
        () -> {
          Scheduler copyThread = Schedulers.newSingle(threadName, true);
          LiveBatches live = new LiveBatches();
          // hide(): a fuseable source would otherwise be polled lazily by the copy thread, only
          // as fast as the consumer requests, and nothing would be read ahead.
          return live.track(batches)
              .hide()
              .publishOn(copyThread, prefetch)
              .<T>handle(
                  (batch, sink) -> {
                    try (batch) {
                      T copied = copy.apply(batch);
                      if (copied != null) {
                        sink.next(copied);
                      }
                    }
                  })
              .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
              .doFinally(signal -> closeRemaining(live, copyThread));
        });
  }

  /**
   * Closes the batches that are still open (reactor-core 3.8.8's publishOn can drop queued
   * batches without discarding them when cancelled during a copy) on the copy thread, after the
   * copy in progress, if any, completed: a batch must not be freed while it is being copied.
   */
  private static void closeRemaining(LiveBatches live, Scheduler copyThread) {
    try {
      copyThread.schedule(
          () -> {
            live.closeAll();
            copyThread.dispose();
          });
    } catch (RejectedExecutionException e) {
      live.closeAll();
      copyThread.dispose();
    }
  }
}
