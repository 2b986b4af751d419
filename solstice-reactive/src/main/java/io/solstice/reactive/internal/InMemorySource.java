package io.solstice.reactive.internal;

import org.reactivestreams.Publisher;
import reactor.core.Scannable;

/**
 * Recognises a source whose batches are already in memory: {@code Flux.fromIterable} of a
 * non-empty {@code Collection}, {@code Flux.fromArray} and {@code Flux.just}, which Reactor
 * reports as synchronous with their items buffered. Reading one ahead on a thread of its own
 * overlaps nothing and costs two thread hand-overs per batch (the request to the reader, the
 * batch back), so the engine lets the training thread take them itself.
 *
 * <p>Anything else, operators on such a source included ({@code map} may do real work), goes
 * through the reader thread and the prefetch buffer.
 */
final class InMemorySource {

  private InMemorySource() {}

  /** Whether the source's batches are in memory, to be taken on the training thread. */
  static boolean test(Publisher<?> source) {
    Scannable scannable = Scannable.from(source);
    if (!scannable.isScanAvailable()) {
      return false;
    }
    Integer buffered = scannable.scan(Scannable.Attr.BUFFERED);
    return scannable.scan(Scannable.Attr.RUN_STYLE) == Scannable.Attr.RunStyle.SYNC
        && buffered != null && buffered > 0
        && scannable.scan(Scannable.Attr.PARENT) == null;
  }
}
