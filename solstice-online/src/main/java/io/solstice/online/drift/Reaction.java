package io.solstice.online.drift;

import io.solstice.online.linear.Adaptable;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a {@link DriftReaction} does when its detector reports a drift, on the training thread,
 * with the experiment of the step that raised it.
 *
 * @param <E> the experiment types it accepts
 */
@FunctionalInterface
public interface Reaction<E> {

  /**
   * Reacts to one drift.
   *
   * @param signal the drift
   * @param experiment the experiment the run continues with
   */
  void onDrift(DriftSignal signal, E experiment);

  /**
   * This reaction, then another.
   *
   * @param next the reaction that follows
   * @return both, in order
   */
  default Reaction<E> andThen(Reaction<? super E> next) {
    Objects.requireNonNull(next, "next");
    return (signal, experiment) -> {
      onDrift(signal, experiment);
      next.onDrift(signal, experiment);
    };
  }

  /**
   * Forgets what the model learned (fresh weights and updater), so it learns the new concept
   * from scratch.
   *
   * @return the reaction
   */
  static Reaction<Adaptable> forget() {
    return (signal, model) -> model.forget();
  }

  /**
   * Resets a {@link Resettable} experiment to its kept state: the state it had when wrapped (a
   * fresh model) unless {@link Resettable#keep()} kept a later one. Works for any checkpointable
   * experiment, the ones that are not {@link Adaptable} (an MLP) included.
   *
   * @return the reaction
   */
  static Reaction<Resettable<?, ?, ?>> reset() {
    return (signal, model) -> model.reset();
  }

  /**
   * Multiplies the model's learning rate by {@code factor} for its next {@code updates} updates.
   *
   * @param factor the factor, above 0
   * @param updates how many updates the boost lasts
   * @return the reaction
   */
  static Reaction<Adaptable> boostLearningRate(double factor, long updates) {
    return (signal, model) -> model.boostLearningRate(factor, updates);
  }

  /**
   * Only reports the drift, leaving the model as it is.
   *
   * @param alert receives each drift
   * @param <E> the experiment type
   * @return the reaction
   */
  static <E> Reaction<E> alert(Consumer<? super DriftSignal> alert) {
    Objects.requireNonNull(alert, "alert");
    return (signal, experiment) -> alert.accept(signal);
  }
}
