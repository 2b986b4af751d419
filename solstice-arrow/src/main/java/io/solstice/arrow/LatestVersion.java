package io.solstice.arrow;

import io.solstice.reactive.ModelVersion;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Follows a stream of model versions for the operators that use the latest one: {@link
 * #ready()} completes with the first version, {@link #current()} is the newest received so far.
 * Once a first version exists, the end of the versions (the run ended) or their error (the run
 * failed) leaves the last good version in use; an error or an end before any version fails
 * {@link #ready()}.
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

  Mono<Void> ready() {
    return first.asMono();
  }

  ModelVersion<M> current() {
    return latest.get();
  }

  void dispose() {
    subscription.dispose();
  }
}
