package io.solstice.arrow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * The fan-out behind {@link ArrowFlux#broadcast}: one subscription to the source, made once
 * every branch has subscribed, and each batch handed to every branch still subscribed as a
 * handle of its own ({@link ArrowBatch#share(int)}, no copy).
 *
 * <p>Backpressure is the slowest branch's: a branch keeps at most {@code prefetch} handles
 * queued, and more is requested from the source only while every live branch's queue plus the
 * batches already requested stays below {@code prefetch}. So at most {@code prefetch} batches
 * (each shared by the branches) wait in the operator, however fast one branch is.
 *
 * <p>A branch that cancels has its queued handles closed and gets no more batches; the others
 * go on. When every branch has cancelled, the source is cancelled. The source's completion or
 * error reaches each live branch after its queued batches.
 *
 * <p>Signals to the branches are delivered by one drain loop at a time (whichever thread
 * triggers it: the source's or a branch's request), never while holding the lock.
 */
final class Broadcast {
  private final Flux<ArrowBatch> source;
  private final int branchCount;
  private final int prefetch;
  private final Object lock = new Object();
  private final AtomicInteger wip = new AtomicInteger();
  private final boolean[] taken;
  private final List<Branch> branches = new ArrayList<>();
  private Subscription upstream;
  private boolean upstreamCancelled;
  private long requestedUpstream;
  private boolean done;
  private Throwable error;

  Broadcast(Flux<ArrowBatch> source, int branchCount, int prefetch) {
    this.source = source;
    this.branchCount = branchCount;
    this.prefetch = prefetch;
    this.taken = new boolean[branchCount];
  }

  List<Flux<ArrowBatch>> branches() {
    List<Flux<ArrowBatch>> out = new ArrayList<>(branchCount);
    for (int i = 0; i < branchCount; i++) {
      int index = i;
      out.add(new Flux<>() {
        @Override
        public void subscribe(CoreSubscriber<? super ArrowBatch> actual) {
          subscribeBranch(index, actual);
        }
      });
    }
    return List.copyOf(out);
  }

  private void subscribeBranch(int index, CoreSubscriber<? super ArrowBatch> actual) {
    synchronized (lock) {
      if (taken[index]) {
        Operators.error(actual, new IllegalStateException("branch " + index + " of this broadcast is already "
            + "subscribed: each branch serves one subscriber, for one pass over the source (call "
            + "ArrowFlux.broadcast again for another pass)"));
        return;
      }
      taken[index] = true;
    }
    Branch branch = new Branch(actual);
    actual.onSubscribe(branch);
    boolean connect;
    synchronized (lock) {
      branches.add(branch);
      connect = branches.size() == branchCount;
    }
    if (connect) {
      source.doOnDiscard(ArrowBatch.class, ArrowBatch::close).subscribe(new Upstream());
    }
    drain();
  }

  private void onUpstreamNext(ArrowBatch batch) {
    List<Branch> live;
    synchronized (lock) {
      requestedUpstream--;
      live = liveBranches();
    }
    List<ArrowBatch> handles;
    try {
      handles = batch.share(live.size());
    } catch (RuntimeException | Error e) {
      batch.close();
      cancelUpstream();
      onUpstreamTerminated(e);
      return;
    }
    List<ArrowBatch> unwanted = new ArrayList<>();
    synchronized (lock) {
      for (int i = 0; i < live.size(); i++) {
        Branch b = live.get(i);
        if (b.cancelled) {
          unwanted.add(handles.get(i));
        } else {
          b.queue.add(handles.get(i));
        }
      }
    }
    unwanted.forEach(ArrowBatch::close);
    drain();
  }

  private void onUpstreamTerminated(Throwable failure) {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      error = failure;
    }
    drain();
  }

  private void cancelUpstream() {
    Subscription s;
    synchronized (lock) {
      if (upstreamCancelled || upstream == null) {
        upstreamCancelled = true;
        return;
      }
      upstreamCancelled = true;
      s = upstream;
    }
    s.cancel();
  }

  private List<Branch> liveBranches() {
    List<Branch> live = new ArrayList<>(branches.size());
    for (Branch b : branches) {
      if (!b.cancelled) {
        live.add(b);
      }
    }
    return live;
  }

  private void drain() {
    if (wip.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      List<Branch> snapshot;
      synchronized (lock) {
        snapshot = List.copyOf(branches);
      }
      for (Branch b : snapshot) {
        emit(b);
      }
      requestOrCancelUpstream();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  /** Delivers what the branch asked for, and the end once its queue is empty. */
  private void emit(Branch b) {
    while (true) {
      ArrowBatch next = null;
      Throwable failure = null;
      boolean terminate = false;
      synchronized (lock) {
        if (b.cancelled || b.terminated) {
          return;
        }
        if (b.queue.isEmpty()) {
          if (!done) {
            return;
          }
          b.terminated = true;
          terminate = true;
          failure = error;
        } else if (b.requested > 0) {
          next = b.queue.poll();
          if (b.requested != Long.MAX_VALUE) {
            b.requested--;
          }
        } else {
          return;
        }
      }
      if (terminate) {
        if (failure != null) {
          b.actual.onError(failure);
        } else {
          b.actual.onComplete();
        }
        return;
      }
      if (b.cancelled) {
        next.close(); // cancelled since it was taken from the queue: no one else will close it
        return;
      }
      b.actual.onNext(next);
    }
  }

  private void requestOrCancelUpstream() {
    Subscription s;
    long request = 0;
    boolean cancel = false;
    synchronized (lock) {
      s = upstream;
      if (s == null || done || upstreamCancelled || branches.size() < branchCount) {
        return;
      }
      List<Branch> live = liveBranches();
      if (live.isEmpty()) {
        upstreamCancelled = true;
        cancel = true;
      } else {
        int deepest = 0;
        for (Branch b : live) {
          deepest = Math.max(deepest, b.queue.size());
        }
        long room = prefetch - deepest - requestedUpstream;
        if (room > 0) {
          requestedUpstream += room;
          request = room;
        }
      }
    }
    if (cancel) {
      s.cancel();
    } else if (request > 0) {
      s.request(request);
    }
  }

  /** One branch's subscription: its queue, its demand, whether it left. */
  private final class Branch implements Subscription {
    final CoreSubscriber<? super ArrowBatch> actual;
    final ArrayDeque<ArrowBatch> queue = new ArrayDeque<>();
    long requested;
    volatile boolean cancelled;
    boolean terminated;

    Branch(CoreSubscriber<? super ArrowBatch> actual) {
      this.actual = actual;
    }

    @Override
    public void request(long n) {
      if (!Operators.validate(n)) {
        return;
      }
      synchronized (lock) {
        requested = Operators.addCap(requested, n);
      }
      drain();
    }

    @Override
    public void cancel() {
      List<ArrowBatch> queued;
      synchronized (lock) {
        if (cancelled) {
          return;
        }
        cancelled = true;
        queued = new ArrayList<>(queue);
        queue.clear();
      }
      queued.forEach(ArrowBatch::close);
      drain();
    }
  }

  /** The one subscriber of the source. */
  private final class Upstream implements CoreSubscriber<ArrowBatch> {
    @Override
    public void onSubscribe(Subscription s) {
      boolean cancelNow;
      synchronized (lock) {
        upstream = s;
        cancelNow = upstreamCancelled;
      }
      if (cancelNow) {
        s.cancel();
      } else {
        drain();
      }
    }

    @Override
    public void onNext(ArrowBatch batch) {
      onUpstreamNext(batch);
    }

    @Override
    public void onError(Throwable t) {
      onUpstreamTerminated(t);
    }

    @Override
    public void onComplete() {
      onUpstreamTerminated(null);
    }
  }
}
