package io.solstice.reactive.internal;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.reactive.TrainingEvent;
import java.util.List;
import java.util.function.Consumer;

/**
 * Calls the synchronous callbacks of a run, in list order, on the calling (training) thread,
 * then publishes the matching {@link TrainingEvent} to the asynchronous observers.
 *
 * <p>An {@link EarlyStoppingException} from a callback is recorded as a stop request and the
 * remaining callbacks of the same hook still run; any other exception propagates at once (the
 * remaining callbacks of that hook are skipped) and fails the run.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
final class CallbackChain<E, B, O> {

  private final List<? extends Callback<? super E, ? super B, ? super O>> callbacks;
  private final List<Consumer<TrainingEvent<E, O>>> observers;
  private final RunState<E> state;

  CallbackChain(
      List<? extends Callback<? super E, ? super B, ? super O>> callbacks,
      List<Consumer<TrainingEvent<E, O>>> observers,
      RunState<E> state) {
    this.callbacks = List.copyOf(callbacks);
    this.observers = List.copyOf(observers);
    this.state = state;
  }

  void epochStart(E experiment, int epoch, Mode mode) {
    for (Callback<? super E, ? super B, ? super O> cb : callbacks) {
      try {
        cb.onEpochStart(experiment, epoch, mode);
      } catch (EarlyStoppingException stop) {
        state.requestStop(stop);
      }
    }
    publish(new TrainingEvent.EpochStarted<>(experiment, epoch, mode));
  }

  void epochEnd(E experiment, int epoch, Mode mode) {
    for (Callback<? super E, ? super B, ? super O> cb : callbacks) {
      try {
        cb.onEpochEnd(experiment, epoch, mode);
      } catch (EarlyStoppingException stop) {
        state.requestStop(stop);
      }
    }
    publish(new TrainingEvent.EpochEnded<>(experiment, epoch, mode));
  }

  void stepStart(E experiment, int epoch, long globalStep, Mode mode, B batch) {
    for (Callback<? super E, ? super B, ? super O> cb : callbacks) {
      try {
        cb.onStepStart(experiment, globalStep, mode, batch);
      } catch (EarlyStoppingException stop) {
        state.requestStop(stop);
      }
    }
    publish(new TrainingEvent.StepStarted<>(experiment, epoch, globalStep, mode));
  }

  void stepEnd(O outputs, E experiment, int epoch, long globalStep, Mode mode, B batch) {
    for (Callback<? super E, ? super B, ? super O> cb : callbacks) {
      try {
        cb.onStepEnd(outputs, experiment, globalStep, mode, batch);
      } catch (EarlyStoppingException stop) {
        state.requestStop(stop);
      }
    }
    publish(new TrainingEvent.StepEnded<>(outputs, experiment, epoch, globalStep, mode));
  }

  /**
   * Calls every callback's {@code onRunEnd}, even when some throw.
   *
   * @return the first exception thrown (others added as suppressed), or null; an
   *     {@link EarlyStoppingException} here has nothing left to stop and is ignored
   */
  Throwable runEnd(E experiment, RunOutcome outcome) {
    Throwable first = null;
    for (Callback<? super E, ? super B, ? super O> cb : callbacks) {
      try {
        cb.onRunEnd(experiment, outcome);
      } catch (EarlyStoppingException ignored) {
        // The run is over already.
      } catch (RuntimeException | Error e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    publish(new TrainingEvent.RunEnded<>(experiment, outcome));
    return first;
  }

  private void publish(TrainingEvent<E, O> event) {
    for (Consumer<TrainingEvent<E, O>> observer : observers) {
      observer.accept(event);
    }
  }
}
