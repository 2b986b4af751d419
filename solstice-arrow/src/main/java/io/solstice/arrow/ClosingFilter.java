package io.solstice.arrow;

import java.util.function.Predicate;
import reactor.core.publisher.Flux;

/**
 * The filter behind {@link ArrowFlux#filter}: passes the batches {@code keep} accepts and closes
 * the others, so a dropped batch never leaks (Reactor's own {@code filter} only hands dropped
 * items to a discard hook, if someone installed one). If {@code keep} throws, the batch it was
 * testing is closed and the flux fails with that exception.
 */
final class ClosingFilter {
  private ClosingFilter() {}

  static Flux<ArrowBatch> apply(Flux<ArrowBatch> source, Predicate<? super ArrowBatch> keep) {
    return source.handle((batch, sink) -> {
      boolean kept;
      try {
        kept = keep.test(batch);
      } catch (RuntimeException | Error e) {
        batch.close();
        sink.error(e);
        return;
      }
      if (kept) {
        sink.next(batch);
      } else {
        batch.close();
      }
    });
  }
}
