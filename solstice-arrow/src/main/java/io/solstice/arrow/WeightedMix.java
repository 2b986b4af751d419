package io.solstice.arrow;

import java.util.ArrayList;
import java.util.List;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The mix behind {@link ArrowFlux#mix}: for each batch requested, a seeded draw picks a source
 * with probability proportional to its weight among the sources not yet exhausted, and exactly
 * one batch is pulled from that source. The order depends only on the seed and on where each
 * source ends, never on timing. When a drawn source turns out to be exhausted, it is dropped
 * and the draw is repeated among the rest; the mix completes when every source has. A source's
 * error fails the mix. Each source is subscribed when first drawn and holds at most the one
 * batch requested; on cancel every source is cancelled and a batch still arriving is closed.
 */
final class WeightedMix {
  private final SplitMix64 generator;
  private final List<Puller> sources = new ArrayList<>();
  private final double[] weights;
  private final boolean[] active;

  private WeightedMix(long seed, List<? extends Publisher<ArrowBatch>> sources, double[] weights) {
    this.generator = new SplitMix64(seed);
    for (Publisher<ArrowBatch> source : sources) {
      this.sources.add(new Puller(source));
    }
    this.weights = weights.clone();
    this.active = new boolean[weights.length];
    java.util.Arrays.fill(active, true);
  }

  static Flux<ArrowBatch> apply(long seed, List<? extends Publisher<ArrowBatch>> sources, double[] weights) {
    return Flux.defer(() -> {
      WeightedMix mix = new WeightedMix(seed, sources, weights);
      return Mono.defer(mix::next)
          .repeat(mix::anyActive)
          .doFinally(signal -> mix.cancelAll())
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }

  private Mono<ArrowBatch> next() {
    int chosen = draw();
    if (chosen < 0) {
      return Mono.empty();
    }
    return sources.get(chosen).next().switchIfEmpty(Mono.defer(() -> {
      deactivate(chosen);
      return next();
    }));
  }

  private synchronized int draw() {
    double total = 0;
    int lastActive = -1;
    for (int i = 0; i < weights.length; i++) {
      if (active[i]) {
        total += weights[i];
        lastActive = i;
      }
    }
    if (lastActive < 0) {
      return -1;
    }
    double target = generator.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      if (active[i]) {
        target -= weights[i];
        if (target < 0) {
          return i;
        }
      }
    }
    return lastActive; // rounding left a sliver past the last weight
  }

  private synchronized void deactivate(int source) {
    active[source] = false;
  }

  private synchronized boolean anyActive() {
    for (boolean a : active) {
      if (a) {
        return true;
      }
    }
    return false;
  }

  private void cancelAll() {
    sources.forEach(Puller::cancel);
  }
}
