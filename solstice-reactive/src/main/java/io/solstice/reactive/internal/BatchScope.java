package io.solstice.reactive.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * The batches of one source subscription that have been emitted but not yet handed to a
 * step: the registry that lets every batch be closed exactly once, whatever path it takes.
 *
 * <p>A batch enters on the source thread ({@link #register}) and leaves either by being
 * claimed by the step ({@link #claim}, after which the step closes it), by being discarded by
 * a Reactor operator ({@link #discard}), or by {@link #close()} when the subscription ends.
 * The last one is what makes cancellation safe: reactor-core 3.8.8 drops {@code publishOn}'s
 * queued items without passing them to the discard hook when cancelled mid-step (reactor-core
 * issue 4396), so the engine does not rely on discard alone.
 *
 * <p>Counts are kept per object identity, so a source that emits the same object twice is
 * stepped twice. Only {@link AutoCloseable} batches are tracked.
 */
final class BatchScope {

  private static final Logger LOG = LoggerFactory.getLogger(BatchScope.class);

  private static final int FRESH = 0;
  private static final int SUBSCRIBED = 1;
  private static final int RELEASED = 2;
  private static final int NEVER_SUBSCRIBED = 3;

  private final Scheduler reader;
  private final Map<Object, Integer> live = new IdentityHashMap<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private final AtomicInteger phase = new AtomicInteger(FRESH);
  private boolean closed;
  private Subscription source;
  // Registered minus claimed or discarded; only meaningful while the scope is open.
  private long waiting;

  /**
   * A registry for one subscription of a source read on {@code reader}.
   *
   * @param reader the scheduler that subscribes to and reads the source; the run's own reader is
   *     a single thread, which orders the release and barrier tasks after the source's own
   */
  BatchScope(Scheduler reader) {
    this.reader = reader;
  }

  /**
   * Called on the reader thread when the source has been subscribed.
   *
   * @param subscription the source's subscription, which {@link #close()} cancels
   */
  void sourceSubscribed(Subscription subscription) {
    phase.compareAndSet(FRESH, SUBSCRIBED);
    boolean cancelNow;
    synchronized (this) {
      source = subscription;
      cancelNow = closed;
    }
    if (cancelNow) {
      subscription.cancel();
    }
  }

  /**
   * Called on the reader thread once the source has terminated or processed its cancellation.
   * The release is marked by a task queued behind the current one on the reader: a source such
   * as {@code Flux.generate} runs its cleanup only after its terminal signal has travelled
   * downstream, so only then does it hold nothing.
   */
  void sourceTerminated(Runnable andThen) {
    runOnReader(() -> {
      phase.set(RELEASED);
      released.countDown();
      andThen.run();
    });
  }

  /**
   * Waits until the source subscription has released its resources (at most one read in
   * progress ahead of its cancellation). A barrier task on the reader first lets a subscription
   * task that was already queued run (and be cancelled), so a source is taken for never
   * subscribed only when it really never will be.
   *
   * @param timeout the longest wait
   * @return false when the source is still busy after the timeout
   */
  boolean awaitSourceReleased(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    CountDownLatch barrier = new CountDownLatch(1);
    runOnReader(barrier::countDown);
    if (!barrier.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    if (phase.compareAndSet(FRESH, NEVER_SUBSCRIBED)) {
      return true;
    }
    return released.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  private void runOnReader(Runnable task) {
    try {
      reader.schedule(task);
    } catch (RejectedExecutionException disposed) {
      task.run(); // a shared scheduler that was disposed: nothing else runs there any more
    }
  }

  /**
   * Records a batch the source emitted; closes it at once if the scope has already ended.
   *
   * @param batch the batch
   */
  void register(Object batch) {
    boolean closeable = batch instanceof AutoCloseable;
    synchronized (this) {
      if (!closed) {
        waiting++;
        if (closeable) {
          live.merge(batch, 1, Integer::sum);
        }
        return;
      }
    }
    if (closeable) {
      closeQuietly((AutoCloseable) batch);
    }
  }

  /**
   * Batches registered and not yet claimed or discarded (any batch type): the read-ahead.
   *
   * @return the count; 0 once the scope has ended
   */
  synchronized int waiting() {
    return closed ? 0 : (int) waiting;
  }

  /**
   * Takes a batch out of the registry for a step, which then owns (and closes) it.
   *
   * @param batch the batch delivered to the step
   * @return false when the batch was already closed by this scope and must not be used
   */
  synchronized boolean claim(Object batch) {
    boolean mine = batch instanceof AutoCloseable ? take(batch) : !closed;
    if (mine) {
      waiting--;
    }
    return mine;
  }

  /**
   * Closes a batch that an operator discarded, unless it was claimed or closed already.
   *
   * @param batch the discarded element
   */
  void discard(Object batch) {
    boolean mine;
    synchronized (this) {
      mine = batch instanceof AutoCloseable && take(batch);
      if (mine) {
        waiting--;
      }
    }
    if (mine) {
      closeQuietly((AutoCloseable) batch);
    }
  }

  /**
   * Ends the scope: closes every registered batch (batches registered later close at once), and
   * cancels the source subscription on the reader (a source subscribed later is cancelled at
   * once). The cancel that travels up the operators usually got there first, and then this one
   * does nothing; but a cancel can be lost on the way: reactor-core 3.8.8's {@code concat} leaves
   * the source it is switching to uncancelled when the cancel arrives at that moment
   * (reactor-core issue 4399), and a validation or next epoch's source subscribed then would stay
   * open, reading ahead.
   */
  void close() {
    List<Object> toClose;
    Subscription subscribed;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(live.keySet());
      live.clear();
      subscribed = source;
    }
    for (Object batch : toClose) {
      closeQuietly((AutoCloseable) batch);
    }
    if (subscribed != null) {
      runOnReader(subscribed::cancel);
    }
  }

  private boolean take(Object batch) {
    Integer count = live.get(batch);
    if (count == null) {
      return false;
    }
    if (count == 1) {
      live.remove(batch);
    } else {
      live.put(batch, count - 1);
    }
    return true;
  }

  // A batch that fails to close while the run is already ending has nowhere to report to but
  // the log; the step path (try-with-resources) propagates close failures instead.
  private static void closeQuietly(AutoCloseable batch) {
    try {
      batch.close();
    } catch (Exception e) {
      LOG.warn("Closing a batch that was never stepped failed: {}", batch, e);
    }
  }
}
