package io.solstice.reactive.callbacks;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The original library's early stopping: collects the outputs of every n-th VAL step of an
 * epoch and asks a criterion at the epoch's end whether to stop. Made by {@link
 * EarlyStopping#when(Predicate, int)}.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the output type
 */
final class EarlyStoppingCriterion<E, B, O> implements Callback<E, B, O> {

  private final Predicate<List<O>> criterion;
  private final int everyNthStep;
  private final List<O> collected = new ArrayList<>();

  EarlyStoppingCriterion(Predicate<List<O>> criterion, int everyNthStep) {
    if (everyNthStep < 1) {
      throw new IllegalArgumentException("everyNthStep must be >= 1, was " + everyNthStep);
    }
    this.criterion = Objects.requireNonNull(criterion, "criterion");
    this.everyNthStep = everyNthStep;
  }

  @Override
  public void onEpochStart(E experiment, int epoch, Mode mode) {
    if (mode == Mode.VAL) {
      collected.clear();
    }
  }

  @Override
  public void onStepEnd(O outputs, E experiment, long globalStep, Mode mode, B batch) {
    if (mode == Mode.VAL && globalStep % everyNthStep == 0) {
      collected.add(outputs);
    }
  }

  @Override
  public void onEpochEnd(E experiment, int epoch, Mode mode) {
    if (mode == Mode.VAL && criterion.test(List.copyOf(collected))) {
      throw new EarlyStoppingException(
          "early stopping: the criterion held after val epoch " + epoch + " ("
              + collected.size() + " outputs collected)");
    }
  }
}
