package io.solstice.arrow;

import io.solstice.reactive.ModelVersion;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Follows a stream of model versions for the operators that use the latest one: {@link
 * #afterFirst} subscribes their batches once the first version exists, {@link #current()} is
 * the newest received so far. Once a first version exists, the end of the versions (the run
 * ended) or their error (the run failed) leaves the last good version in use; an error or an
 * end before any version fails {@link #afterFirst}.
 */
final class LatestVersion<M> {
  private static final Logger LOG = LoggerFactory.getLogger(LatestVersion.class);

  private final AtomicReference<ModelVersion<M>> latest = new AtomicReference<>();
  private final Sinks.One<Void> first = Sinks.one();
  private final Disposable subscription;

  LatestVersion(Publisher<ModelVersion<M>> versions) {
    subscription = Flux.from(versions).subscribe(
        version -> {
          latest.set(version);
          first.tryEmitEmpty();
        },
        error -> {
          if (latest.get() == null) {
            first.tryEmitError(error);
          } else {
            LOG.warn("The model versions failed; predictions go on with version {}", latest.get().version(), error);
          }
        },
        () -> first.tryEmitError(new IllegalStateException("the model versions ended before the first one")));
  }

  /**
   * {@code upstream}, subscribed once the first version has arrived.
   *
   * <p>When the first version is already there at subscription (a fixed model, or versions that
   * replay their latest), {@code upstream} is subscribed at once on the subscriber's thread, as
   * an ordinary operator would: a synchronous source then releases everything it holds before a
   * blocking consumer wakes up to its end or error, and that consumer may close its allocator
   * straight away.
   *
   * <p>Otherwise the subscription happens on a worker of its own rather than on the thread that
   * delivers the version: a source that drains synchronously (a broadcast branch that is ahead,
   * a generator) would keep that thread busy for as long as it has batches, with every later
   * version queued behind it.
   *
   * <p>When the flux ends without a first version (cancelled while it waits, or the versions
   * ended or failed first), {@code upstream} is still subscribed, and cancelled at once: a source
   * that waits for all its subscribers ({@link ArrowFlux#broadcast}) learns that this one has
   * gone rather than wait for it forever. That happens before the end reaches the subscriber, so
   * by then the source has opened and closed again.
   */
  <T> Flux<T> afterFirst(Flux<T> upstream) {
    return Flux.defer(() -> {
      if (latest.get() != null) {
        return upstream;
      }
      AtomicBoolean subscribed = new AtomicBoolean();
      Flux<T> afterFirst = first.asMono()
          .publishOn(Schedulers.boundedElastic())
          .thenMany(Flux.defer(() -> subscribed.compareAndSet(false, true) ? upstream : Flux.<T>empty()));
      // On completion upstream has been subscribed already: this then does nothing.
      return ReleaseBeforeTheEnd.of(afterFirst, () -> {
        if (subscribed.compareAndSet(false, true)) {
          upstream.subscribe(new CancelAtOnce<>());
        }
      });
    });
  }

  /** Cancels what it subscribes to before requesting anything, and closes what comes anyway. */
  private static final class CancelAtOnce<T> extends BaseSubscriber<T> {
    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      subscription.cancel();
    }

    @Override
    protected void hookOnNext(T value) {
      if (value instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          LOG.warn("could not close a batch delivered after the cancel", e);
        }
      }
    }
  }

  ModelVersion<M> current() {
    return latest.get();
  }

  void dispose() {
    subscription.dispose();
  }
}
