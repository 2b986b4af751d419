package io.solstice.spark.internal;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import java.util.List;
import java.util.function.Consumer;

/**
 * Calls the driver-side callbacks with the engine's rules: every callback of a hook runs, in
 * list order; an {@link EarlyStoppingException} from any of them is remembered and stops the
 * run once the hook is done; any other exception ends the run at once.
 *
 * <p>Thread safety: not thread-safe; the driver's fit loop calls it from one thread.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the outputs type
 */
public final class DriverHooks<E, B, O> {

  private final List<? extends Callback<? super E, ? super B, ? super O>> callbacks;
  private EarlyStoppingException stop;

  /**
   * Hooks over callbacks.
   *
   * @param callbacks the callbacks, in call order
   */
  public DriverHooks(List<? extends Callback<? super E, ? super B, ? super O>> callbacks) {
    this.callbacks = List.copyOf(callbacks);
  }

  /**
   * Whether a callback asked to stop.
   *
   * @return true once an {@code EarlyStoppingException} was thrown
   */
  public boolean stopped() {
    return stop != null;
  }

  /**
   * The early stop's reason.
   *
   * @return the exception, or null
   */
  public EarlyStoppingException stopReason() {
    return stop;
  }

  /**
   * Calls {@code onEpochStart} on every callback.
   *
   * @param experiment the experiment
   * @param epoch the epoch (a round)
   * @param mode the mode
   */
  public void epochStart(E experiment, int epoch, Mode mode) {
    each(c -> c.onEpochStart(experiment, epoch, mode));
  }

  /**
   * Calls {@code onStepStart} on every callback.
   *
   * @param experiment the experiment
   * @param step the global step (a round)
   * @param mode the mode
   */
  public void stepStart(E experiment, long step, Mode mode) {
    each(c -> c.onStepStart(experiment, step, mode, null));
  }

  /**
   * Calls {@code onStepEnd} on every callback.
   *
   * @param outputs the merged metrics
   * @param experiment the experiment
   * @param step the global step (a round)
   * @param mode the mode
   */
  public void stepEnd(O outputs, E experiment, long step, Mode mode) {
    each(c -> c.onStepEnd(outputs, experiment, step, mode, null));
  }

  /**
   * Calls {@code onEpochEnd} on every callback.
   *
   * @param experiment the experiment
   * @param epoch the epoch (a round)
   * @param mode the mode
   */
  public void epochEnd(E experiment, int epoch, Mode mode) {
    each(c -> c.onEpochEnd(experiment, epoch, mode));
  }

  /**
   * Calls {@code onRunEnd} on every callback, even when one throws; the first exception is
   * rethrown afterwards with the others suppressed.
   *
   * @param experiment the last experiment
   * @param outcome how the run ended
   */
  public void runEnd(E experiment, RunOutcome outcome) {
    RuntimeException error = null;
    for (Callback<? super E, ? super B, ? super O> callback : callbacks) {
      try {
        callback.onRunEnd(experiment, outcome);
      } catch (RuntimeException e) {
        if (error == null) {
          error = e;
        } else {
          error.addSuppressed(e);
        }
      }
    }
    if (error != null) {
      throw error;
    }
  }

  private void each(Consumer<Callback<? super E, ? super B, ? super O>> hook) {
    for (Callback<? super E, ? super B, ? super O> callback : callbacks) {
      try {
        hook.accept(callback);
      } catch (EarlyStoppingException e) {
        if (stop == null) {
          stop = e;
        }
      }
    }
  }
}
