package io.solstice.reactive;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A slow observer of training events (a remote logger, a live plot) that must never stall the
 * training step. Register it with {@link TrainOptions.Builder#observer}.
 *
 * <p>The training thread only appends each {@link TrainingEvent} to a bounded buffer of
 * {@code bufferSize} events and returns; the events are delivered, in order, on the
 * observer's own scheduler. <b>When the observer falls behind and the buffer is full, the
 * oldest buffered event is dropped</b> to make room, and {@link #dropped()} counts it: the
 * observer sees the most recent events, with gaps, and training keeps its pace. An exception
 * thrown by the observer is logged and the event counts as delivered; it never reaches the
 * run. If the observer's scheduler is disposed, its undelivered events are dropped and counted.
 *
 * <p>Delivery may continue after the run's publisher has terminated, until the buffer is
 * drained; {@link TrainingEvent.RunEnded} is the last event of a run unless it was dropped
 * (it is published last, so it is dropped only if the buffer overflows after it, which cannot
 * happen within one run). One observer may serve several runs; its counters add up.
 *
 * @param <E> the experiment type
 * @param <O> the step-output type
 */
public final class AsyncObserver<E, O> {

  private static final Logger LOG = LoggerFactory.getLogger(AsyncObserver.class);

  private final Consumer<? super TrainingEvent<E, O>> consumer;
  private final int bufferSize;
  private final Scheduler scheduler;
  private final ArrayDeque<TrainingEvent<E, O>> buffer;
  private final AtomicInteger wip = new AtomicInteger();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean warnedRejected;

  private AsyncObserver(
      Consumer<? super TrainingEvent<E, O>> consumer, int bufferSize, Scheduler scheduler) {
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    if (bufferSize < 1) {
      throw new IllegalArgumentException("bufferSize must be >= 1, was " + bufferSize);
    }
    this.bufferSize = bufferSize;
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.buffer = new ArrayDeque<>(Math.min(bufferSize, 1024));
  }

  /**
   * An observer with a buffer of 1024 events, delivered on {@link Schedulers#boundedElastic()}.
   *
   * @param consumer receives the events in order
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the observer
   */
  public static <E, O> AsyncObserver<E, O> of(Consumer<? super TrainingEvent<E, O>> consumer) {
    return new AsyncObserver<>(consumer, 1024, Schedulers.boundedElastic());
  }

  /**
   * An observer with the given buffer and scheduler.
   *
   * @param consumer receives the events in order
   * @param bufferSize how many undelivered events are kept before the oldest is dropped
   * @param scheduler where the consumer runs
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the observer
   */
  public static <E, O> AsyncObserver<E, O> of(
      Consumer<? super TrainingEvent<E, O>> consumer, int bufferSize, Scheduler scheduler) {
    return new AsyncObserver<>(consumer, bufferSize, scheduler);
  }

  /**
   * Hands an event over without waiting: appends it, dropping the oldest buffered event when
   * the buffer is full, and makes sure a delivery task is scheduled. Called by the engine on
   * the training thread.
   *
   * @param event the event
   */
  void publish(TrainingEvent<E, O> event) {
    published.incrementAndGet();
    synchronized (buffer) {
      if (buffer.size() == bufferSize) {
        buffer.pollFirst();
        dropped.incrementAndGet();
      }
      buffer.addLast(event);
    }
    if (wip.getAndIncrement() == 0) {
      try {
        scheduler.schedule(this::drain);
      } catch (RejectedExecutionException e) {
        abandon(e);
      }
    }
  }

  // The observer's scheduler no longer runs tasks (it was disposed): its events can never be
  // delivered, and failing the training step for it would break the promise above.
  private void abandon(RejectedExecutionException cause) {
    int lost;
    synchronized (buffer) {
      lost = buffer.size();
      buffer.clear();
    }
    dropped.addAndGet(lost);
    wip.set(0);
    if (!warnedRejected) {
      warnedRejected = true;
      LOG.warn("Asynchronous observer's scheduler rejected delivery; its events are dropped "
          + "from now on (see dropped())", cause);
    }
  }

  private void drain() {
    int missed = 1;
    do {
      TrainingEvent<E, O> event;
      while ((event = poll()) != null) {
        try {
          consumer.accept(event);
        } catch (RuntimeException e) {
          LOG.warn("Asynchronous observer threw on {}; the event is skipped", event, e);
        }
        delivered.incrementAndGet();
      }
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
  }

  private TrainingEvent<E, O> poll() {
    synchronized (buffer) {
      return buffer.pollFirst();
    }
  }

  /**
   * Events handed to this observer so far.
   *
   * @return the count
   */
  public long published() {
    return published.get();
  }

  /**
   * Events given to the consumer so far.
   *
   * @return the count
   */
  public long delivered() {
    return delivered.get();
  }

  /**
   * Events dropped because the buffer was full (drop-oldest).
   *
   * @return the count
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * Whether every published event has been delivered or dropped.
   *
   * @return true when nothing is buffered or being delivered
   */
  public boolean isIdle() {
    return wip.get() == 0;
  }

  /**
   * The buffer's capacity.
   *
   * @return the number of undelivered events kept
   */
  public int bufferSize() {
    return bufferSize;
  }
}
