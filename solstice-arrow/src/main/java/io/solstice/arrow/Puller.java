package io.solstice.arrow;

import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One source of {@link WeightedMix}, read one batch at a time on request: {@link #next()} asks
 * for exactly one batch (subscribing the source on first use) and completes with it, or empty
 * once the source has completed. A batch that arrives after its request was cancelled, or after
 * {@link #cancel()}, is closed.
 */
final class Puller implements CoreSubscriber<ArrowBatch> {
  private final Publisher<ArrowBatch> source;
  private Subscription subscription;
  private MonoSink<ArrowBatch> waiting;
  private boolean subscribed;
  private boolean finished;
  private boolean cancelled;
  private Throwable error;

  Puller(Publisher<ArrowBatch> source) {
    this.source = source;
  }

  Mono<ArrowBatch> next() {
    return Mono.create(sink -> {
      AtomicBoolean pulled = new AtomicBoolean();
      sink.onRequest(n -> {
        if (pulled.compareAndSet(false, true)) {
          pull(sink);
        }
      });
    });
  }

  private void pull(MonoSink<ArrowBatch> sink) {
    boolean subscribe = false;
    Subscription s;
    synchronized (this) {
      if (finished || cancelled) {
        Throwable failure = error;
        if (failure != null) {
          sink.error(failure);
        } else {
          sink.success();
        }
        return;
      }
      waiting = sink;
      if (!subscribed) {
        subscribed = true;
        subscribe = true;
      }
      s = subscription;
    }
    sink.onCancel(() -> abandon(sink));
    if (subscribe) {
      Flux.from(source).doOnDiscard(ArrowBatch.class, ArrowBatch::close).subscribe(this);
    } else {
      s.request(1);
    }
  }

  private synchronized void abandon(MonoSink<ArrowBatch> sink) {
    if (waiting == sink) {
      waiting = null;
    }
  }

  @Override
  public void onSubscribe(Subscription s) {
    boolean cancelNow;
    synchronized (this) {
      subscription = s;
      cancelNow = cancelled;
    }
    if (cancelNow) {
      s.cancel();
    } else {
      s.request(1);
    }
  }

  @Override
  public void onNext(ArrowBatch batch) {
    MonoSink<ArrowBatch> sink;
    synchronized (this) {
      sink = waiting;
      waiting = null;
    }
    if (sink == null) {
      batch.close();
    } else {
      sink.success(batch);
    }
  }

  @Override
  public void onError(Throwable t) {
    MonoSink<ArrowBatch> sink;
    synchronized (this) {
      finished = true;
      error = t;
      sink = waiting;
      waiting = null;
    }
    if (sink != null) {
      sink.error(t);
    }
  }

  @Override
  public void onComplete() {
    MonoSink<ArrowBatch> sink;
    synchronized (this) {
      finished = true;
      sink = waiting;
      waiting = null;
    }
    if (sink != null) {
      sink.success();
    }
  }

  /** Cancels the source, if subscribed; a batch still arriving is closed. */
  void cancel() {
    Subscription s;
    synchronized (this) {
      cancelled = true;
      waiting = null;
      s = subscription;
    }
    if (s != null) {
      s.cancel();
    }
  }
}
