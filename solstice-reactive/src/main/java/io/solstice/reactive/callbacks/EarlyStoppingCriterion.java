package io.solstice.reactive.callbacks;

import io.solstice.core.Mode;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;

/**
 * The original library's early stopping: collects the outputs of every n-th VAL step of an
 * epoch and asks a criterion at the epoch's end whether to stop. Made by {@link
 * EarlyStopping#when(Predicate, int)}. The collection is Reactor's: each VAL epoch's kept
 * {@code StepEnded} events, up to its {@code EpochEnded}, form one {@code bufferUntil} list. A
 * VAL epoch that a stop cut short is not put to the criterion.
 *
 * @param <O> the output type
 */
final class EarlyStoppingCriterion<O> implements TrainingSubscriber<Object, O> {

  private final Predicate<List<O>> criterion;
  private final int everyNthStep;
  private final TrainingSubscriber<Object, O> pipeline;

  EarlyStoppingCriterion(Predicate<List<O>> criterion, int everyNthStep) {
    if (everyNthStep < 1) {
      throw new IllegalArgumentException("everyNthStep must be >= 1, was " + everyNthStep);
    }
    this.criterion = Objects.requireNonNull(criterion, "criterion");
    this.everyNthStep = everyNthStep;
    this.pipeline = TrainingSubscriber.flow(this::stopWhenTheCriterionHolds);
  }

  @Override
  public void onEvent(TrainingEvent<Object, O> event) throws Exception {
    pipeline.onEvent(event);
  }

  private Flux<?> stopWhenTheCriterionHolds(Flux<TrainingEvent<Object, O>> events) {
    return events
        .filter(event -> isValEpochEnd(event)
            || event instanceof TrainingEvent.StepEnded<Object, O> step
                && step.mode() == Mode.VAL
                && step.globalStep() % everyNthStep == 0)
        .bufferUntil(EarlyStoppingCriterion::isValEpochEnd)
        // A run that ends inside a VAL epoch leaves a last buffer without its epoch end, and a
        // VAL epoch a stop cut short collected only part of its outputs: neither is asked about.
        .filter(epoch -> epoch.get(epoch.size() - 1) instanceof TrainingEvent.EpochEnded<?, ?> end
            && end.mode() == Mode.VAL && end.complete())
        .doOnNext(epoch -> {
          List<O> collected = epoch.subList(0, epoch.size() - 1).stream()
              .map(event -> ((TrainingEvent.StepEnded<Object, O>) event).outputs())
              .toList();
          if (criterion.test(collected)) {
            TrainingEvent.EpochEnded<Object, O> end =
                (TrainingEvent.EpochEnded<Object, O>) epoch.get(epoch.size() - 1);
            end.run().stop("early stopping: the criterion held after val epoch " + end.epoch()
                + " (" + collected.size() + " outputs collected)");
          }
        });
  }

  private static boolean isValEpochEnd(TrainingEvent<?, ?> event) {
    return event instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.VAL;
  }

  @Override
  public String toString() {
    return "EarlyStopping.when(criterion, every " + everyNthStep + " val steps)";
  }
}
