package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;

/**
 * The events of one run written by hand and handed straight to a subscriber, for what a real run
 * cannot produce on cue: exact step timings, or a given interleaving of epochs. Each method
 * delivers one event; the experiment is a placeholder and the batch is already closed.
 */
final class HandMadeEvents {

  private static final AtomicLong IDS = new AtomicLong(1_000_000);
  private static final Object EXPERIMENT = "experiment";

  private final TrainingSubscriber<Object, Object> subscriber;
  private final RunControl run = new Control(IDS.incrementAndGet());

  HandMadeEvents(TrainingSubscriber<Object, Object> subscriber) {
    this.subscriber = subscriber;
  }

  HandMadeEvents runStarted() throws Exception {
    return deliver(new TrainingEvent.RunStarted<>(run, EXPERIMENT, RunPosition.START));
  }

  HandMadeEvents epochStarted(int epoch, Mode mode) throws Exception {
    return deliver(new TrainingEvent.EpochStarted<>(run, EXPERIMENT, epoch, mode));
  }

  HandMadeEvents stepStarted(int epoch, long step, Mode mode) throws Exception {
    return deliver(new TrainingEvent.StepStarted<>(run, EXPERIMENT, epoch, step, mode, CLOSED));
  }

  HandMadeEvents stepEnded(int epoch, long step, Mode mode, Object outputs,
      TrainingEvent.Timings timings) throws Exception {
    return deliver(new TrainingEvent.StepEnded<>(run, EXPERIMENT, outputs, mode, epoch, step,
        RunPosition.START, null, 0, timings, CLOSED));
  }

  /** An epoch end whose merged metrics are not used by the subscriber under test. */
  HandMadeEvents epochEnded(int epoch, Mode mode, long steps) throws Exception {
    return epochEnded(epoch, mode, steps, Map.of());
  }

  /** An epoch's end whose merged metrics computed to {@code values}. */
  HandMadeEvents epochEnded(int epoch, Mode mode, long steps, Map<String, Double> values) throws Exception {
    return deliver(new TrainingEvent.EpochEnded<>(
        run, EXPERIMENT, epoch, mode, steps, null, values, RunPosition.START, true));
  }

  HandMadeEvents runEnded() throws Exception {
    return deliver(new TrainingEvent.RunEnded<>(run, EXPERIMENT, RunOutcome.COMPLETED, RunPosition.START));
  }

  private HandMadeEvents deliver(TrainingEvent<Object, Object> event) throws Exception {
    subscriber.onEvent(event);
    return this;
  }

  private static final TrainingEvent.Batch CLOSED = new TrainingEvent.Batch() {
    @Override
    public Object get() {
      throw new IllegalStateException("a hand-made event has no batch");
    }

    @Override
    public boolean isOpen() {
      return false;
    }
  };

  /** A run that is never stopped and holds nothing. */
  private record Control(long id) implements RunControl {
    @Override
    public void stop(String reason) {
      throw new UnsupportedOperationException("the subscriber under test should not stop the run");
    }

    @Override
    public boolean isStopping() {
      return false;
    }

    @Override
    public void checkpointWritten(Path path, RunPosition position) {
      throw new UnsupportedOperationException("the subscriber under test writes no checkpoint");
    }

    @Override
    public Mono<Void> terminated() {
      return Mono.empty();
    }
  }
}
