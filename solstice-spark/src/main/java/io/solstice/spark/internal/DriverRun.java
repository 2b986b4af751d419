package io.solstice.spark.internal;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.SubscriberChain;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The control of one run of a {@code SparkTrainer} and the delivery of its {@link
 * TrainingEvent}s to the driver's synchronous subscribers, with the engine's rules: every
 * subscriber sees each event in registration order; an {@link EarlyStoppingException} (or a
 * {@link #stop} request) is recorded and the remaining subscribers still see the event; any
 * other exception propagates at once; a checkpoint announced while an event is handled becomes
 * a {@link TrainingEvent.CheckpointWritten} right after it; {@code RunEnded} reaches every
 * subscriber even when some throw.
 *
 * <p>The driver has no batch of its own (a round's batches stay on the executors): the {@link
 * #NO_BATCH} of its step events is never open and {@code get()} returns null.
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class DriverRun<E, M> implements RunControl {

  /** The batch of a driver step: none. */
  public static final TrainingEvent.Batch NO_BATCH = new TrainingEvent.Batch() {
    @Override
    public Object get() {
      return null;
    }

    @Override
    public boolean isOpen() {
      return false;
    }
  };

  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final SubscriberChain<E, M> subscribers;
  private final Sinks.Empty<Void> terminated = Sinks.empty();
  private final List<TrainingEvent.CheckpointWritten<E, M>> announced = new ArrayList<>();
  private volatile boolean stopping;
  private EarlyStoppingException stopReason;
  private E current;

  /**
   * A run over subscribers.
   *
   * @param subscribers the driver's subscribers, in delivery order
   */
  public DriverRun(List<? extends TrainingSubscriber<? super E, ? super M>> subscribers) {
    this.subscribers = new SubscriberChain<>(subscribers, this::requestStop);
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public synchronized void stop(String reason) {
    requestStop(new EarlyStoppingException(reason));
  }

  @Override
  public boolean isStopping() {
    return stopping;
  }

  @Override
  public synchronized void checkpointWritten(Path path, RunPosition position) {
    announced.add(new TrainingEvent.CheckpointWritten<>(this, current, path, position));
  }

  @Override
  public Mono<Void> terminated() {
    return terminated.asMono();
  }

  /**
   * The reason of the first stop request.
   *
   * @return the exception, or null
   */
  public synchronized EarlyStoppingException stopReason() {
    return stopReason;
  }

  /**
   * Hands an event to every subscriber, then the checkpoints they announced meanwhile.
   *
   * @param event the event
   * @throws Exception what a subscriber threw, other than an early stop
   */
  public void deliver(TrainingEvent<E, M> event) throws Exception {
    synchronized (this) {
      current = event.experiment();
    }
    subscribers.deliver(event);
    for (TrainingEvent.CheckpointWritten<E, M> written : takeAnnounced()) {
      deliver(written);
    }
  }

  /**
   * Hands the last event to every subscriber, even when some throw, and marks the run
   * terminated.
   *
   * @param event the run's end
   * @return the first exception a subscriber threw (the others suppressed in it), or null; an
   *     early stop here has nothing left to stop and is ignored
   */
  public Throwable runEnded(TrainingEvent.RunEnded<E, M> event) {
    Throwable first = subscribers.deliverLast(event);
    terminated.tryEmitEmpty();
    return first;
  }

  private synchronized void requestStop(EarlyStoppingException reason) {
    if (!stopping) {
      stopReason = reason;
      stopping = true;
    }
  }

  private synchronized List<TrainingEvent.CheckpointWritten<E, M>> takeAnnounced() {
    List<TrainingEvent.CheckpointWritten<E, M>> taken = List.copyOf(announced);
    announced.clear();
    return taken;
  }
}
