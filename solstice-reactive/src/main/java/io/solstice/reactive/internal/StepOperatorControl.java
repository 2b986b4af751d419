package io.solstice.reactive.internal;

import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The {@link RunControl} of one subscription to {@code Solstice.trainStep}/{@code evalStep}: a
 * stop completes the stream after the current step; there is no run to announce checkpoints to.
 */
public final class StepOperatorControl implements RunControl {

  private static final AtomicLong IDS = new AtomicLong();
  private static final StepBatch CLOSED = closed();

  private final long id = -IDS.incrementAndGet();
  private final Sinks.Empty<Void> terminated = Sinks.empty();
  private final Sinks.Empty<Void> stopped = Sinks.empty();
  private volatile boolean stopping;

  @Override
  public long id() {
    return id;
  }

  @Override
  public void stop(String reason) {
    stopping = true;
    stopped.tryEmitEmpty();
  }

  /**
   * Completes when a stop is requested.
   *
   * @return the stop signal
   */
  public Mono<Void> stopped() {
    return stopped.asMono();
  }

  @Override
  public boolean isStopping() {
    return stopping;
  }

  @Override
  public void checkpointWritten(Path path, RunPosition position) {
    throw new UnsupportedOperationException(
        "a step operator has no event stream to announce checkpoints to; use Solstice.run");
  }

  @Override
  public Mono<Void> terminated() {
    return terminated.asMono();
  }

  /** Called when the operator's subscription has terminated. */
  public void terminate() {
    terminated.tryEmitEmpty();
  }

  /**
   * The batch view of an operator's steps: the operator closes the batch itself.
   *
   * @return a view that is already closed
   */
  public static TrainingEvent.Batch closedBatch() {
    return CLOSED;
  }

  private static StepBatch closed() {
    StepBatch batch = new StepBatch("operator batch");
    batch.release();
    return batch;
  }
}
