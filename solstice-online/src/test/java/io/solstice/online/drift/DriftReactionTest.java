package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.HyperplaneGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.AdaGrad;

/**
 * Reactions through the engine, on the rotating hyperplane (MOA's definition, 10 attributes, 5%
 * noise) switching abruptly to another hyperplane at row 50,000, in batches of 100 rows: with
 * {@link Reaction#forget()} or {@link Reaction#boostLearningRate} the prequential accuracy over a
 * window of 10 steps recovers in fewer steps than with no reaction, and the alert sees the drift
 * just after it happened.
 */
class DriftReactionTest {
  private static final int BATCH = 100;
  private static final int STEPS = 1_000;
  private static final int DRIFT_STEP = 500;
  private static final int WINDOW = 10;

  @Test
  void forgettingOrBoostingOnDriftRecoversFasterThanNoReaction() {
    int withoutReaction = stepsToRecover(Reaction.alert(s -> { }), new ArrayList<>());
    List<DriftSignal> forgetAlerts = new ArrayList<>();
    int withForget = stepsToRecover(
        Reaction.<OnlineLogisticRegression>alert(forgetAlerts::add).andThen(Reaction.forget()), forgetAlerts);
    List<DriftSignal> boostAlerts = new ArrayList<>();
    int withBoost = stepsToRecover(
        Reaction.<OnlineLogisticRegression>alert(boostAlerts::add)
            .andThen(Reaction.boostLearningRate(10, 2_000)), boostAlerts);
    System.out.printf("steps of 100 rows to recover after the drift: no reaction %d, forget %d (drifts at rows %s),"
            + " boost x10 for 2,000 updates %d (drifts at rows %s)%n",
        withoutReaction, withForget, forgetAlerts.stream().map(DriftSignal::position).toList(),
        withBoost, boostAlerts.stream().map(DriftSignal::position).toList());
    // Positions count rows: the drift is at row 50,000, and ADWIN sees it within 20 steps.
    for (List<DriftSignal> alerts : List.of(forgetAlerts, boostAlerts)) {
      assertThat(alerts).anySatisfy(
          s -> assertThat(s.position()).isBetween((long) DRIFT_STEP * BATCH, (DRIFT_STEP + 20L) * BATCH));
    }
    assertThat(withForget).isLessThan(withoutReaction);
    assertThat(withBoost).isLessThan(withoutReaction);
  }

  @Test
  void driftsAndWarningsAreEventsOfTheRunRightAfterTheStepThatRaisedThem() {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(10, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
      List<DriftSignal> reactedTo = new ArrayList<>();
      List<String> seenByLaterSubscriber = new ArrayList<>();
      TrainingSubscriber<OnlineLogisticRegression, ClassificationMetrics> later =
          event -> DriftSignal.of(event).ifPresent(s -> seenByLaterSubscriber.add(s.eventName() + "@" + s.position()));
      DriftReaction<OnlineLogisticRegression, ClassificationMetrics> ddm =
          DriftReaction.of(new Ddm(), DriftReaction.rowErrors(), Reaction.alert(reactedTo::add));

      List<TrainingEvent<OnlineLogisticRegression, ClassificationMetrics>> events = Solstice.run(model)
          .train(DriftingStreams.arrow(() -> new ConceptDrift(
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 1),
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 2), DRIFT_STEP * BATCH, 1, 3), BATCH, allocator)
              .take(STEPS))
          .subscribers(ddm, later)
          .events().collectList().block();

      List<String> raised = new ArrayList<>();
      List<Long> stepsWithDrifts = new ArrayList<>();
      long lastStep = -1;
      for (int i = 0; i < events.size(); i++) {
        TrainingEvent<?, ?> event = events.get(i);
        if (event instanceof TrainingEvent.StepEnded<?, ?> step) {
          lastStep = step.globalStep();
        }
        if (DriftSignal.of(event).isEmpty()) {
          continue;
        }
        DriftSignal signal = DriftSignal.of(event).orElseThrow();
        TrainingEvent.SignalRaised<?, ?> raisedEvent = (TrainingEvent.SignalRaised<?, ?>) event;
        raised.add(signal.eventName() + "@" + signal.position());
        // Right after the StepEnded of the step whose rows raised it, before the next step.
        TrainingEvent<?, ?> before = events.get(i - 1);
        assertThat(before).isInstanceOfAny(TrainingEvent.StepEnded.class, TrainingEvent.SignalRaised.class);
        assertThat(signal.position() / BATCH).isEqualTo(lastStep);
        assertThat(raisedEvent.name()).isEqualTo(signal.eventName());
        assertThat(raisedEvent.position().trainSteps()).isEqualTo(lastStep + 1);
        if (signal.isDrift() && !stepsWithDrifts.contains(lastStep)) {
          stepsWithDrifts.add(lastStep);
        }
      }
      System.out.println("DDM signals in the event stream: " + raised);
      assertThat(raised).anyMatch(s -> s.startsWith("warning@")).anyMatch(s -> s.startsWith("drift@"));
      assertThat(seenByLaterSubscriber).isEqualTo(raised);
      // One reaction per step with drifts, to the first drift of that step.
      assertThat(reactedTo).hasSize(stepsWithDrifts.size());
      assertThat(ddm.drifts()).isEqualTo(stepsWithDrifts.size());
      assertThat(reactedTo).extracting(s -> s.position() / BATCH).containsExactlyElementsOf(stepsWithDrifts);
      assertThat(reactedTo).anySatisfy(
          s -> assertThat(s.position()).isBetween((long) DRIFT_STEP * BATCH, (DRIFT_STEP + 50L) * BATCH));
    }
  }

  /**
   * Runs the stream and returns the steps after the drift until the windowed accuracy is back
   * within 2 points of its level just before the drift.
   */
  private static int stepsToRecover(Reaction<? super OnlineLogisticRegression> reaction, List<DriftSignal> alerts) {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(10, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
      List<Double> accuracy = new ArrayList<>();
      TrainingSubscriber<OnlineLogisticRegression, ClassificationMetrics> record = event -> {
        if (event instanceof TrainingEvent.StepEnded<OnlineLogisticRegression, ClassificationMetrics> step) {
          accuracy.add(step.outputs().compute().get("accuracy"));
        }
      };
      DriftReaction<OnlineLogisticRegression, ClassificationMetrics> reactions =
          DriftReaction.of(new Adwin(), DriftReaction.rowErrors(), reaction);
      Solstice.run(model)
          .train(DriftingStreams.arrow(() -> new ConceptDrift(
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 1),
                  new HyperplaneGenerator(10, 0, 0, 5, 10, 2), DRIFT_STEP * BATCH, 1, 3), BATCH, allocator)
              .take(STEPS))
          .subscribers(reactions, record)
          .block();
      assertThat(accuracy).hasSize(STEPS);
      assertThat(reactions.drifts()).isPositive().isGreaterThanOrEqualTo(alerts.size());
      double before = windowed(accuracy, DRIFT_STEP);
      for (int step = DRIFT_STEP + WINDOW; step <= STEPS; step++) {
        if (windowed(accuracy, step) >= before - 0.02) {
          return step - DRIFT_STEP;
        }
      }
      return STEPS - DRIFT_STEP + 1;
    }
  }

  /** Mean accuracy of the WINDOW steps before {@code end}. */
  private static double windowed(List<Double> accuracy, int end) {
    return accuracy.subList(end - WINDOW, end).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
