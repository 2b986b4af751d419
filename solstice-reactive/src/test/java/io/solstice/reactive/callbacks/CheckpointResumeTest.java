package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Checkpoints;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/**
 * A run interrupted at step k and resumed from its checkpoints ends bit-identical to an
 * uninterrupted run: an MLP with Adam and dropout, so the optimizer's moments and the dropout
 * generator must be restored exactly.
 */
class CheckpointResumeTest {

  private static final int EPOCHS = 3;
  private static final List<TensorBatch> DIGITS = DigitsDataset.bundled().batches(32);
  private static final List<TensorBatch> TRAIN = DIGITS.subList(0, 10);
  private static final List<TensorBatch> VAL = DIGITS.subList(10, 13);

  @TempDir Path dir;

  private static MlpClassifier fresh() {
    return MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(16)
        .classes(DigitsDataset.CLASSES).updater(new Adam(1e-2)).dropout(0.2).seed(42).build();
  }

  private static Run<MlpClassifier, TensorBatch, ClassificationMetrics> run(MlpClassifier start) {
    return Solstice.run(start).train(Flux.fromIterable(TRAIN)).validate(Flux.fromIterable(VAL))
        .epochs(EPOCHS);
  }

  private static CheckpointCallback checkpoints(Path directory, boolean background) {
    CheckpointCallback.Builder builder = CheckpointCallback.builder(directory).everySteps(4);
    return (background ? builder.inBackground(2) : builder).build();
  }

  /**
   * The train batches of every epoch from a source that dies instead of delivering the 14th
   * batch of the run: steps 0..12 run, and the run fails before train step 13, as far as
   * checkpoints go like a process killed there.
   */
  private static Flux<TensorBatch> crashingBeforeStep13() {
    AtomicInteger delivered = new AtomicInteger();
    return Flux.defer(() -> Flux.fromIterable(TRAIN).map(batch -> {
      if (delivered.getAndIncrement() == 13) {
        throw new IllegalStateException("simulated crash before train step 13");
      }
      return batch;
    }));
  }

  private static List<RunPosition> positions(Path directory) {
    return CheckpointStore.open(directory).list().stream()
        .map(f -> CheckpointStore.readManifest(f).position()).toList();
  }

  @ParameterizedTest(name = "background writes: {0}")
  @ValueSource(booleans = {false, true})
  void interruptedAtStep13AndResumedEndsBitIdenticalToAnUninterruptedRun(boolean background) {
    MlpClassifier uninterrupted =
        run(fresh()).subscribers(checkpoints(dir.resolve("straight"), background)).block();

    Path crashed = dir.resolve("crashed");
    assertThatThrownBy(() -> run(fresh()).train(crashingBeforeStep13())
            .subscribers(checkpoints(crashed, background)).block())
        .isInstanceOf(TrainingException.class)
        .hasRootCauseMessage("simulated crash before train step 13");

    CheckpointCallback second = checkpoints(crashed, background);
    Resumed<MlpClassifier> resumed = second.resume(fresh());
    // Steps 0..11 are checkpointed (every 4); the crash lost step 12. Epochs hold 10 batches.
    assertThat(resumed.position()).isEqualTo(new RunPosition(1, 2, 12, 3));
    assertThat(resumed.experiment().state().getLong("updater/iteration")).isEqualTo(12);
    MlpClassifier continued = run(resumed.experiment())
        .resumeFrom(resumed.position()).subscribers(second).block();

    assertThat(continued.state()).isEqualTo(uninterrupted.state());
    assertThat(continued.state().getLong("updater/iteration")).isEqualTo(30);
    // The resumed run's own checkpoints carry the same positions as the uninterrupted run's.
    assertThat(positions(crashed)).isEqualTo(positions(dir.resolve("straight")))
        .contains(new RunPosition(2, 4, 24, 6), new RunPosition(3, 0, 30, 9));
  }

  /**
   * A validation every 4 train steps, and a checkpoint every 4: the checkpoint of step 12 is
   * written after the validation that follows the step, so the resumed run neither skips nor
   * repeats it, and every validation of the uninterrupted run happens once.
   */
  @Test
  void aCheckpointOnAStepFollowedByAValidationResumesAfterThatValidation() {
    List<RunPosition> straightValidations = new ArrayList<>();
    run(fresh()).validateEverySteps(4)
        .subscribers(validations(straightValidations), checkpoints(dir.resolve("straight"), false))
        .block();

    Path crashed = dir.resolve("crashed");
    List<RunPosition> crashedValidations = new ArrayList<>();
    assertThatThrownBy(() -> run(fresh()).validateEverySteps(4)
            .train(crashingBeforeStep13())
            .subscribers(validations(crashedValidations), checkpoints(crashed, false)).block())
        .isInstanceOf(TrainingException.class);
    CheckpointCallback second = checkpoints(crashed, false);
    Resumed<MlpClassifier> resumed = second.resume(fresh());
    // Validations of 3 batches after steps 4, 8 and 12: the checkpoint of step 12 counts the third.
    assertThat(resumed.position()).isEqualTo(new RunPosition(1, 2, 12, 9));
    List<RunPosition> resumedValidations = new ArrayList<>();
    run(resumed.experiment()).validateEverySteps(4)
        .resumeFrom(resumed.position()).subscribers(validations(resumedValidations), second)
        .block();

    List<RunPosition> joined = new ArrayList<>(crashedValidations);
    joined.addAll(resumedValidations);
    assertThat(joined).isEqualTo(straightValidations);
    assertThat(positions(crashed)).isEqualTo(positions(dir.resolve("straight")));
  }

  /**
   * A stop during the validation after step 12 (validations of 3 batches every 4 train steps)
   * cuts it short: the run's end position counts none of its val steps and says that a
   * validation at the step cadence is due, so a run resumed from it, from the run's end or from
   * its end checkpoint, validates there again, whole, and every validation of the uninterrupted
   * run happens once.
   */
  @ParameterizedTest(name = "resumed from the end checkpoint: {0}")
  @ValueSource(booleans = {false, true})
  void aStepCadenceValidationCutShortByAStopRunsAgainWholeOnResume(boolean fromCheckpoint) {
    List<RunPosition> straightValidations = new ArrayList<>();
    MlpClassifier uninterrupted = run(fresh()).validateEverySteps(4)
        .subscribers(validations(straightValidations)).block();

    List<RunPosition> joined = new ArrayList<>();
    List<TrainingEvent.RunEnded<?, ?>> ends = new ArrayList<>();
    AtomicInteger valSteps = new AtomicInteger();
    TrainingSubscriber<Object, Object> stopInThirdValidation = event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.VAL
          && valSteps.incrementAndGet() == 8) {
        step.run().stop("stopped inside the validation after step 12");
      } else if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
        ends.add(end);
      }
    };
    Path directory = dir.resolve("stopped");
    CheckpointCallback checkpoints = CheckpointCallback.builder(directory).build();
    run(fresh()).validateEverySteps(4)
        .subscribers(validations(joined), stopInThirdValidation, checkpoints).block();
    TrainingEvent.RunEnded<?, ?> stopped = ends.get(0);
    assertThat(stopped.position()).isEqualTo(new RunPosition(1, 2, 12, 6));
    assertThat(stopped.position().engineState()).containsKey("validation");

    MlpClassifier start = (MlpClassifier) stopped.experiment();
    RunPosition position = stopped.position();
    if (fromCheckpoint) {
      Resumed<MlpClassifier> resumed = CheckpointCallback.builder(directory).build().resume(fresh());
      assertThat(resumed.position()).isEqualTo(position);
      start = resumed.experiment();
      position = resumed.position();
    }
    // A resumed run stopped before it got there still owes that validation.
    List<TrainingEvent.RunEnded<?, ?>> idle = new ArrayList<>();
    run(start).validateEverySteps(4).resumeFrom(position).subscribers(event -> {
      if (event instanceof TrainingEvent.RunStarted<?, ?> started) {
        started.run().stop("stopped before training");
      } else if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
        idle.add(end);
      }
    }).block();
    assertThat(idle.get(0).position()).isEqualTo(position);
    assertThat(idle.get(0).position().engineState()).containsKey("validation");

    MlpClassifier continued = run(start).validateEverySteps(4).resumeFrom(position)
        .subscribers(validations(joined)).block();

    assertThat(joined).isEqualTo(straightValidations);
    assertThat(continued.state()).isEqualTo(uninterrupted.state());
  }

  /** The end positions of the validations that ran to their end. */
  private static TrainingSubscriber<Object, Object> validations(List<RunPosition> out) {
    return event -> {
      if (event instanceof TrainingEvent.ValidationEnded<?, ?> validation && validation.complete()) {
        out.add(validation.position());
      }
    };
  }

  @ParameterizedTest(name = "resume from the checkpoint after {0} train steps")
  @ValueSource(longs = {4, 8, 20, 28})
  void resumingFromAnyChosenCheckpointEndsBitIdentical(long trainSteps) {
    Path straight = dir.resolve("all");
    CheckpointCallback keepAll =
        CheckpointCallback.builder(straight).everySteps(4).keepLast(Integer.MAX_VALUE).build();
    MlpClassifier uninterrupted = run(fresh()).subscribers(keepAll).block();

    Path chosen = straight.resolve(CheckpointStore.fileName(trainSteps));
    Resumed<MlpClassifier> resumed = Checkpoints.resume(chosen, fresh(), Map.of());
    MlpClassifier continued = run(resumed.experiment()).resumeFrom(resumed.position()).block();

    assertThat(continued.state()).isEqualTo(uninterrupted.state());
  }

  /** What a test compares of a train epoch's end. */
  private record EpochTotal(int epoch, long steps, Object metrics) {}

  private static TrainingSubscriber<Object, Object> trainEpochs(List<EpochTotal> out) {
    return event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.TRAIN) {
        out.add(new EpochTotal(end.epoch(), end.steps(), end.metrics()));
      }
    };
  }

  private static List<Map<String, Object>> totals(Path directory) {
    return CheckpointStore.open(directory).list().stream()
        .map(f -> CheckpointStore.readManifest(f).position().engineState()).toList();
  }

  /**
   * The crash of the first test lands in the middle of epoch 1: the checkpoint of step 12 saves
   * the merge of that epoch's first two train steps, and the resumed run continues it, so the
   * epoch ends with the metrics and step count of the uninterrupted run, bit for bit (before,
   * it counted only the eight steps after the resume).
   */
  @Test
  void aRunResumedInsideAnEpochEndsItWithTheMetricsOfAnUninterruptedRun() {
    List<EpochTotal> straight = new ArrayList<>();
    run(fresh()).subscribers(trainEpochs(straight), checkpoints(dir.resolve("straight"), false)).block();

    Path crashed = dir.resolve("crashed");
    List<EpochTotal> joined = new ArrayList<>();
    assertThatThrownBy(() -> run(fresh()).train(crashingBeforeStep13())
            .subscribers(trainEpochs(joined), checkpoints(crashed, false)).block())
        .isInstanceOf(TrainingException.class);
    CheckpointCallback second = checkpoints(crashed, false);
    Resumed<MlpClassifier> resumed = second.resume(fresh());
    assertThat(resumed.position().engineState()).containsOnlyKeys("train");
    run(resumed.experiment()).resumeFrom(resumed.position()).subscribers(trainEpochs(joined), second)
        .block();

    assertThat(straight).extracting(EpochTotal::steps).containsExactly(10L, 10L, 10L);
    assertThat(joined).isEqualTo(straight);
    // Every checkpoint of the resumed run carries the totals the uninterrupted run's carries.
    assertThat(totals(crashed)).isEqualTo(totals(dir.resolve("straight")));
  }

  /** The same in one process, from the pair a stopped run's {@code RunEnded} carries. */
  @Test
  @SuppressWarnings("unchecked")
  void aRunContinuedFromItsRunEndedEndsTheEpochWithTheMetricsOfAnUninterruptedRun() {
    List<EpochTotal> straight = new ArrayList<>();
    run(fresh()).subscribers(trainEpochs(straight)).block();

    List<EpochTotal> joined = new ArrayList<>();
    List<TrainingEvent.RunEnded<?, ?>> ends = new ArrayList<>();
    run(fresh()).maxSteps(13).subscribers(trainEpochs(joined), event -> {
      if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
        ends.add(end);
      }
    }).block();
    TrainingEvent.RunEnded<?, ?> stopped = ends.get(0);
    assertThat(stopped.position()).isEqualTo(new RunPosition(1, 3, 13, 3));
    // The stop ended epoch 1 early; what continues is the rest of it.
    joined.removeIf(epoch -> epoch.epoch() == 1);
    run((MlpClassifier) stopped.experiment()).resumeFrom(stopped.position())
        .subscribers(trainEpochs(joined)).block();

    assertThat(joined).isEqualTo(straight);
  }

  /**
   * An online run (one epoch) with prequential evaluation, which always resumes in the middle:
   * the resumed run continues the cumulative, window and fading figures where the checkpoint
   * left them, so every step after the resume reports what the uninterrupted run reported.
   */
  @Test
  void anOnlineRunResumedContinuesItsPrequentialFigures() {
    List<PrequentialMetrics<?>> straight = new ArrayList<>();
    online(fresh(), Flux.fromIterable(TRAIN)).subscribers(prequentialOf(straight)).block();

    Path crashed = dir.resolve("online");
    AtomicInteger delivered = new AtomicInteger();
    Flux<TensorBatch> dying = Flux.fromIterable(TRAIN).map(batch -> {
      if (delivered.getAndIncrement() == 7) {
        throw new IllegalStateException("simulated crash before train step 7");
      }
      return batch;
    });
    List<PrequentialMetrics<?>> joined = new ArrayList<>();
    assertThatThrownBy(() -> online(fresh(), dying)
            .subscribers(prequentialOf(joined), checkpoints(crashed, false)).block())
        .isInstanceOf(TrainingException.class);
    CheckpointCallback second = checkpoints(crashed, false);
    Resumed<MlpClassifier> resumed = second.resume(fresh());
    assertThat(resumed.position()).isEqualTo(new RunPosition(0, 4, 4, 0));
    assertThat(resumed.position().engineState()).containsOnlyKeys("train", "prequential");
    List<PrequentialMetrics<?>> after = new ArrayList<>();
    online(resumed.experiment(), Flux.fromIterable(TRAIN)).resumeFrom(resumed.position())
        .subscribers(prequentialOf(after), second).block();

    assertThat(after).hasSize(6);
    for (int i = 0; i < after.size(); i++) {
      PrequentialMetrics<?> expected = straight.get(4 + i);
      PrequentialMetrics<?> actual = after.get(i);
      assertThat(actual.batches()).isEqualTo(expected.batches());
      assertThat(actual.cumulative()).isEqualTo(expected.cumulative());
      assertThat(actual.window()).isEqualTo(expected.window());
      assertThat(actual.fading()).isEqualTo(expected.fading());
    }
  }

  private static Run<MlpClassifier, TensorBatch, ClassificationMetrics> online(
      MlpClassifier start, Flux<TensorBatch> source) {
    return Solstice.run(start).train(source).epochs(1).prequential(3, 0.9);
  }

  private static TrainingSubscriber<Object, Object> prequentialOf(List<PrequentialMetrics<?>> out) {
    return event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.prequential() != null) {
        out.add(step.prequential());
      }
    };
  }

  /**
   * A CSV written through a whole run, then continued by a run resumed from one of its
   * checkpoints (as when a process is killed after that checkpoint and after logging more
   * rows): the rows past the checkpoint are dropped, the resumed run logs them again, and the
   * file ends as the uninterrupted run's, a row per step and per epoch. (Windows of one step:
   * a longer window that the resume splits is the one row that differs, see below.)
   */
  @ParameterizedTest(name = "resume from the checkpoint after {0} train steps")
  @ValueSource(longs = {4, 8, 20, 28})
  void aCsvContinuedByARunResumedFromAnyCheckpointEndsAsTheUninterruptedRunsCsv(long trainSteps)
      throws IOException {
    Path continued = continuedFrom(trainSteps, 1);

    // The header, 30 train and 9 val steps, 3 train and 3 val epochs.
    assertThat(Files.readAllLines(dir.resolve("whole.csv"))).hasSize(1 + 30 + 9 + 3 + 3);
    assertThat(Files.readAllLines(continued)).isEqualTo(Files.readAllLines(dir.resolve("whole.csv")));
  }

  /**
   * Val steps 0-2 validate epoch 0 and 3-5 epoch 1, so the window of val steps 0-3 is split by
   * the checkpoint after train step 20: the resumed run's window covers val step 3 alone. Every
   * other row is the uninterrupted run's.
   */
  @Test
  void aWindowOfStepsThatTheResumeSplitsCoversOnlyTheStepsSinceTheResume() throws IOException {
    List<String> continued = Files.readAllLines(continuedFrom(20, 4));
    List<String> whole = Files.readAllLines(dir.resolve("whole.csv"));

    assertThat(continued).hasSameSizeAs(whole);
    for (int i = 0; i < whole.size(); i++) {
      if (firstSixCells(whole.get(i)).equals("val,1,window,4,20,4")) {
        assertThat(firstSixCells(continued.get(i))).isEqualTo("val,1,window,4,20,1");
      } else {
        assertThat(continued.get(i)).isEqualTo(whole.get(i));
      }
    }
  }

  /**
   * Writes {@code whole.csv} through an uninterrupted run with windows of {@code everySteps},
   * copies it to {@code continued.csv} and continues the copy from the run's checkpoint after
   * {@code trainSteps}.
   */
  private Path continuedFrom(long trainSteps, long everySteps) throws IOException {
    Path straight = dir.resolve("all");
    Path whole = dir.resolve("whole.csv");
    run(fresh()).subscribers(CsvLogger.to(whole).everySteps(everySteps).build(),
        CheckpointCallback.builder(straight).everySteps(4).keepLast(Integer.MAX_VALUE).build())
        .block();
    Path continued = Files.copy(whole, dir.resolve("continued.csv"));

    Resumed<MlpClassifier> resumed =
        Checkpoints.resume(straight.resolve(CheckpointStore.fileName(trainSteps)), fresh(), Map.of());
    run(resumed.experiment()).resumeFrom(resumed.position())
        .subscribers(CsvLogger.to(continued).everySteps(everySteps).build()).block();
    return continued;
  }

  /** What a metrics CSV line says besides its values: mode, epoch, kind and step counts. */
  private static String firstSixCells(String line) {
    return String.join(",", Arrays.asList(line.split(",")).subList(0, 6));
  }

  /**
   * A stop inside a step-cadence validation leaves its rows cut short (and the train epoch's):
   * the resumed run, with a new logger reading the file back or with the same one, drops them,
   * validates again and replaces the window that validation had logged, so the file ends as the
   * uninterrupted run's.
   */
  @ParameterizedTest(name = "the same logger: {0}")
  @ValueSource(booleans = {false, true})
  void aCsvContinuedAfterAValidationCutShortEndsAsTheUninterruptedRunsCsv(boolean sameLogger)
      throws IOException {
    Path whole = dir.resolve("whole.csv");
    run(fresh()).validateEverySteps(4)
        .subscribers(CsvLogger.to(whole).everySteps(2).build()).block();

    Path continued = dir.resolve("continued.csv");
    CsvLogger first = CsvLogger.to(continued).everySteps(2).build();
    List<TrainingEvent.RunEnded<?, ?>> ends = new ArrayList<>();
    AtomicInteger valSteps = new AtomicInteger();
    run(fresh()).validateEverySteps(4).subscribers(first, event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.VAL
          && valSteps.incrementAndGet() == 8) {
        step.run().stop("stopped inside the validation after step 12");
      } else if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
        ends.add(end);
      }
    }).block();
    List<String> stopped = Files.readAllLines(continued);
    assertThat(stopped).extracting(CheckpointResumeTest::firstSixCells)
        .endsWith("val,1,window,8,12,2", "val,1,epoch_cut_short,8,12,2",
            "train,1,epoch_cut_short,12,12,2");
    CsvLogger second = sameLogger ? first : CsvLogger.to(continued).everySteps(2).build();
    run((MlpClassifier) ends.get(0).experiment()).validateEverySteps(4)
        .resumeFrom(ends.get(0).position()).subscribers(second).block();

    assertThat(Files.readAllLines(continued)).isEqualTo(Files.readAllLines(whole));
  }
}
