package io.solstice.arrow;

import reactor.core.publisher.Flux;

/**
 * Releases what an operator holds when its flux completes, fails or is cancelled, before the end
 * reaches the subscriber. {@code doFinally} would run only after the subscriber has heard of the
 * end, and a subscriber that closes its allocator on hearing of a failure would then find the
 * operator's batches still open.
 */
final class ReleaseBeforeTheEnd {

  private ReleaseBeforeTheEnd() {}

  /**
   * {@code flux}, running {@code release} on its completion, failure or cancellation, before that
   * signal travels on. A subscriber may still cancel after the end, which runs {@code release} a
   * second time: it must do nothing then (each caller's release keeps a flag or empties what it
   * held).
   */
  static <T> Flux<T> of(Flux<T> flux, Runnable release) {
    return flux.doOnTerminate(release).doOnCancel(release);
  }
}
