package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import io.solstice.core.io.Json;
import io.solstice.core.testing.OwnMetrics;
import io.solstice.core.testing.SavableOwnMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A run whose experiment returns metrics of its own type, stopped inside an epoch and continued
 * from its position after a trip through JSON (what a checkpoint's manifest holds): with {@code
 * SavableMetrics} the continued epoch ends with the uninterrupted run's metrics; without, it
 * has only the steps after the resume.
 */
class OwnMetricsResumeTest {
  private static final List<Double> BATCHES = IntStream.range(0, 10).mapToObj(i -> 0.1 * i).toList();

  /** Trains on numbers; each step's metrics are the number, in a type chosen by the test. */
  private record Summing<O>(Function<Double, O> metrics) implements Experiment<Summing<O>, Double, O> {
    @Override
    public Step<Summing<O>, O> trainStep(Double x) {
      return Step.of(this, metrics.apply(x));
    }

    @Override
    public Step<Summing<O>, O> evalStep(Double x) {
      return Step.of(this, metrics.apply(x));
    }
  }

  private record EpochTotal(int epoch, long steps, Object metrics) {}

  @Test
  void aSavableOwnTypeEndsTheContinuedEpochWithTheUninterruptedRunsMetrics() throws IOException {
    Summing<SavableOwnMetrics> start = new Summing<>(x -> new SavableOwnMetrics(x, 1));

    List<EpochTotal> straight = epochs(start, null, 0);
    List<EpochTotal> joined = stoppedAndContinued(start);

    assertThat(straight).extracting(EpochTotal::steps).containsExactly(10L, 10L);
    assertThat(joined).isEqualTo(straight);
  }

  @Test
  void anOwnTypeWithoutASavedFormHasOnlyTheStepsAfterTheResume() throws IOException {
    Summing<OwnMetrics> start = new Summing<>(OwnMetrics::new);

    List<EpochTotal> joined = stoppedAndContinued(start);

    // Nothing of epoch 1 is carried: its count and its sums start over after step 13.
    assertThat(joined.get(1).steps()).isEqualTo(7);
    OwnMetrics afterTheResume = new OwnMetrics(BATCHES.get(3));
    for (double x : BATCHES.subList(4, 10)) {
      afterTheResume = afterTheResume.merge(new OwnMetrics(x));
    }
    assertThat(joined.get(1).metrics()).isEqualTo(afterTheResume);
  }

  /** Stopped after 13 steps (3 into epoch 1), its position through JSON, continued to the end. */
  private static <O> List<EpochTotal> stoppedAndContinued(Summing<O> start) throws IOException {
    List<RunPosition> ends = new ArrayList<>();
    List<EpochTotal> joined = new ArrayList<>(epochs(start, ends, 13));
    joined.removeIf(epoch -> epoch.epoch() == 1); // the stop ended epoch 1 early
    RunPosition stopped = ends.get(0);
    assertThat(stopped.batchesIntoEpoch()).isEqualTo(3);
    RunPosition saved = stopped.withEngineState(Json.readObject(Json.write(stopped.engineState())));
    Solstice.run(start).train(Flux.fromIterable(BATCHES)).epochs(2).resumeFrom(saved)
        .subscribers(collect(joined, null)).block();
    return joined;
  }

  private static <O> List<EpochTotal> epochs(Summing<O> start, List<RunPosition> ends, long maxSteps) {
    List<EpochTotal> out = new ArrayList<>();
    Run<Summing<O>, Double, O> run = Solstice.run(start).train(Flux.fromIterable(BATCHES)).epochs(2);
    (maxSteps > 0 ? run.maxSteps(maxSteps) : run).subscribers(collect(out, ends)).block();
    return out;
  }

  private static TrainingSubscriber<Object, Object> collect(List<EpochTotal> epochs, List<RunPosition> ends) {
    return event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.TRAIN) {
        epochs.add(new EpochTotal(end.epoch(), end.steps(), end.metrics()));
      } else if (event instanceof TrainingEvent.RunEnded<?, ?> end && ends != null) {
        ends.add(end.position());
      }
    };
  }
}
