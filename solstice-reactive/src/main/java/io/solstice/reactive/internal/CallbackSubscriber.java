package io.solstice.reactive.internal;

import io.solstice.core.Callback;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;

/**
 * The original four-hook {@link Callback} as a synchronous subscriber: each event calls the hook
 * of the same name, {@code RunEnded} calls {@code onRunEnd}; the other events call nothing.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class CallbackSubscriber<E, B, O> implements TrainingSubscriber<E, O> {

  private final Callback<? super E, ? super B, ? super O> callback;

  /**
   * Adapts a callback.
   *
   * @param callback the callback
   */
  public CallbackSubscriber(Callback<? super E, ? super B, ? super O> callback) {
    this.callback = java.util.Objects.requireNonNull(callback, "callback");
  }

  @Override
  @SuppressWarnings("unchecked") // the run's batches are of type B
  public void onEvent(TrainingEvent<E, O> event) {
    if (event instanceof TrainingEvent.EpochStarted<E, O> e) {
      callback.onEpochStart(e.experiment(), e.epoch(), e.mode());
    } else if (event instanceof TrainingEvent.StepStarted<E, O> e) {
      callback.onStepStart(e.experiment(), e.globalStep(), e.mode(), (B) e.batch().get());
    } else if (event instanceof TrainingEvent.StepEnded<E, O> e) {
      callback.onStepEnd(
          e.outputs(), e.experiment(), e.globalStep(), e.mode(), (B) e.batch().get());
    } else if (event instanceof TrainingEvent.EpochEnded<E, O> e) {
      callback.onEpochEnd(e.experiment(), e.epoch(), e.mode());
    } else if (event instanceof TrainingEvent.RunEnded<E, O> e) {
      callback.onRunEnd(e.experiment(), e.outcome());
    }
  }

  @Override
  public String toString() {
    return "Callback " + callback;
  }
}
