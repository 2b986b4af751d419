package io.solstice.arrow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The mix behind {@link ArrowFlux#mix}: for each batch requested, a seeded draw picks a source
 * with probability proportional to its weight among the sources not yet exhausted, and exactly
 * one batch is requested from that source. The order depends only on the seed and on where each
 * source ends, never on timing. When the drawn source completes instead, it is dropped and the
 * draw is repeated among the rest; the mix completes when every source has, and fails with the
 * first source error (cancelling the others). Each source is subscribed when first drawn.
 *
 * <p>A batch is held by the mix only between its arrival and its delivery; on cancel every
 * source is cancelled, and a batch held or arriving later is closed. Signals go downstream from
 * one drain loop at a time, on the thread that triggered it.
 */
final class WeightedMix extends Flux<ArrowBatch> {
  private final long seed;
  private final List<Publisher<ArrowBatch>> sources;
  private final double[] weights;

  WeightedMix(long seed, List<Publisher<ArrowBatch>> sources, double[] weights) {
    this.seed = seed;
    this.sources = sources;
    this.weights = weights.clone();
  }

  @Override
  public void subscribe(CoreSubscriber<? super ArrowBatch> actual) {
    Mixing mixing = new Mixing(actual);
    actual.onSubscribe(mixing);
    mixing.drain();
  }

  /** One subscription: the generator, the sources, the one pull in progress. */
  private final class Mixing implements Subscription {
    private final CoreSubscriber<? super ArrowBatch> actual;
    private final SplitMix64 generator = new SplitMix64(seed);
    private final boolean[] active = new boolean[weights.length];
    private final Source[] subscribed = new Source[weights.length];
    private final AtomicInteger wip = new AtomicInteger();
    private long requested;
    private int pulling = -1;
    private ArrowBatch arrived;
    private boolean cancelled;
    private boolean terminated;
    private Throwable error;

    Mixing(CoreSubscriber<? super ArrowBatch> actual) {
      this.actual = actual;
      java.util.Arrays.fill(active, true);
    }

    @Override
    public void request(long n) {
      if (Operators.validate(n)) {
        synchronized (this) {
          requested = Operators.addCap(requested, n);
        }
        drain();
      }
    }

    @Override
    public void cancel() {
      List<Source> toCancel = new ArrayList<>();
      synchronized (this) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        for (Source s : subscribed) {
          if (s != null) {
            toCancel.add(s);
          }
        }
      }
      toCancel.forEach(Source::cancel);
      drain();
    }

    void drain() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      int missed = 1;
      do {
        while (step()) {
          // keep going while a step made progress
        }
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    /** One move of the state machine; false when it must wait for a signal. */
    private boolean step() {
      ArrowBatch deliver = null;
      ArrowBatch discard = null;
      Source subscribe = null;
      Source pull = null;
      Throwable failure = null;
      boolean complete = false;
      boolean byCancel = false;
      List<Source> cancelOthers = new ArrayList<>();
      synchronized (this) {
        if (terminated) {
          return false;
        }
        if (cancelled) {
          discard = arrived;
          arrived = null;
          terminated = true;
          byCancel = true;
        } else if (error != null) {
          failure = error;
          discard = arrived;
          arrived = null;
          terminated = true;
          for (Source s : subscribed) {
            if (s != null) {
              cancelOthers.add(s);
            }
          }
        } else if (arrived != null) {
          if (requested == 0) {
            return false;
          }
          deliver = arrived;
          arrived = null;
          pulling = -1;
          if (requested != Long.MAX_VALUE) {
            requested--;
          }
        } else if (pulling >= 0 || requested == 0) {
          return false;
        } else {
          int chosen = draw();
          if (chosen < 0) {
            terminated = true;
            complete = true;
          } else {
            pulling = chosen;
            if (subscribed[chosen] == null) {
              subscribed[chosen] = new Source(chosen);
              subscribe = subscribed[chosen];
            } else {
              pull = subscribed[chosen];
            }
          }
        }
      }
      if (discard != null) {
        discard.close();
      }
      if (byCancel) {
        return false;
      }
      if (failure != null) {
        cancelOthers.forEach(Source::cancel);
        actual.onError(failure);
        return false;
      }
      if (complete) {
        actual.onComplete();
        return false;
      }
      if (deliver != null) {
        actual.onNext(deliver);
        return true;
      }
      if (subscribe != null) {
        // Requests one batch when subscribed; a batch an operator inside the source drops is closed.
        Flux.from(sources.get(subscribe.index)).doOnDiscard(ArrowBatch.class, ArrowBatch::close).subscribe(subscribe);
      } else if (pull != null) {
        pull.requestOne();
      }
      return false;
    }

    /** Draws a live source by weight; -1 when none is left. Called under the lock. */
    private int draw() {
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

    /** The subscriber of one source: asked for one batch per draw. */
    private final class Source implements CoreSubscriber<ArrowBatch> {
      final int index;
      private Subscription subscription;
      private boolean cancelRequested;

      Source(int index) {
        this.index = index;
      }

      @Override
      public void onSubscribe(Subscription s) {
        boolean cancelNow;
        synchronized (Mixing.this) {
          subscription = s;
          cancelNow = cancelRequested;
        }
        if (cancelNow) {
          s.cancel();
        } else {
          s.request(1);
        }
      }

      void requestOne() {
        Subscription s;
        synchronized (Mixing.this) {
          s = subscription;
        }
        s.request(1);
      }

      void cancel() {
        Subscription s;
        synchronized (Mixing.this) {
          cancelRequested = true;
          s = subscription;
        }
        if (s != null) {
          s.cancel();
        }
      }

      @Override
      public void onNext(ArrowBatch batch) {
        boolean keep;
        synchronized (Mixing.this) {
          keep = !cancelled && !terminated && pulling == index && arrived == null;
          if (keep) {
            arrived = batch;
          }
        }
        if (!keep) {
          batch.close();
          return;
        }
        drain();
      }

      @Override
      public void onError(Throwable t) {
        synchronized (Mixing.this) {
          if (error == null) {
            error = t;
          }
        }
        drain();
      }

      @Override
      public void onComplete() {
        synchronized (Mixing.this) {
          active[index] = false;
          if (pulling == index && arrived == null) {
            pulling = -1; // draw again among the others
          }
        }
        drain();
      }
    }
  }
}
