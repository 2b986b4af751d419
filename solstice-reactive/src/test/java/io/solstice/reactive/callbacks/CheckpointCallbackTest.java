package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointException;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StopAt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * When checkpoints are written, at which positions, which are kept, what they hold, how they
 * are announced, and background writing; through real runs of a small MLP on the digits.
 */
class CheckpointCallbackTest {

  private static final List<TensorBatch> DIGITS = DigitsDataset.bundled().batches(32);
  // Five train and two val batches per epoch.
  private static final List<TensorBatch> TRAIN = DIGITS.subList(0, 5);
  private static final List<TensorBatch> VAL = DIGITS.subList(5, 7);

  @TempDir Path dir;

  private static MlpClassifier model() {
    return MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(8)
        .classes(DigitsDataset.CLASSES).dropout(0.1).seed(3).build();
  }

  private static Run<MlpClassifier, TensorBatch, ClassificationMetrics> digits(int epochs) {
    return Solstice.run(model()).train(Flux.fromIterable(TRAIN)).validate(Flux.fromIterable(VAL))
        .epochs(epochs);
  }

  private static CheckpointCallback.Builder keepAll(Path directory) {
    return CheckpointCallback.builder(directory).keepLast(Integer.MAX_VALUE);
  }

  /** Stops the run after the step of that mode and number: an epoch cut short. */
  private static List<RunPosition> positions(CheckpointCallback callback) {
    return callback.store().list().stream()
        .map(file -> CheckpointStore.readManifest(file).position()).toList();
  }

  private static List<String> triggers(CheckpointCallback callback) {
    return callback.store().list().stream()
        .map(file -> CheckpointStore.readManifest(file).trigger()).toList();
  }

  /** The events of a run as "Kind(epoch)" lines, the checkpoint announcements with their step. */
  private static <E, O> List<String> announcedAfter(List<TrainingEvent<E, O>> events) {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i < events.size(); i++) {
      if (events.get(i) instanceof TrainingEvent.CheckpointWritten<E, O> written) {
        lines.add(events.get(i - 1).getClass().getSimpleName() + " -> "
            + written.path().getFileName() + " at " + written.position());
      }
    }
    return lines;
  }

  @Test
  void everyNStepsWritesAfterStepsNMinus1And2NMinus1AndAtTheEnd() {
    CheckpointCallback callback = keepAll(dir).everySteps(4).build();

    List<TrainingEvent<MlpClassifier, ClassificationMetrics>> events =
        digits(2).subscribers(callback).events().collectList().block();

    // 10 train steps over 2 epochs of 5; checkpoints after 4 and 8 steps, then the end (epoch 2
    // start, its validations included).
    assertThat(positions(callback)).containsExactly(
        new RunPosition(0, 4, 4, 0), new RunPosition(1, 3, 8, 2), new RunPosition(2, 0, 10, 4));
    assertThat(triggers(callback)).containsExactly("step", "step", "end");
    // A step checkpoint is written at the event after its step's (here the next StepStarted,
    // once every subscriber has handled the step) and announced right after that event; the end
    // one is written at RunEnded, the last event, and has none.
    assertThat(announcedAfter(events)).containsExactly(
        "StepStarted -> ckpt-000000000004.npz at " + new RunPosition(0, 4, 4, 0),
        "StepStarted -> ckpt-000000000008.npz at " + new RunPosition(1, 3, 8, 2));
    assertThat(callback.written()).containsExactlyElementsOf(callback.store().list());
  }

  @Test
  void theManifestHoldsTheLatestMergedMetricsOfEachModeAndTheRunRecord() {
    Map<String, Object> record = new java.util.LinkedHashMap<>();
    record.put("command", "digits");
    record.put("options", Map.of("--seed", "3"));
    CheckpointCallback callback = keepAll(dir).everyEpochs(1).atEnd(false).runRecord(record).build();
    List<TrainingEvent.EpochEnded<MlpClassifier, ClassificationMetrics>> ends = new ArrayList<>();

    digits(2).subscribers(callback).events()
        .doOnNext(event -> {
          if (event instanceof TrainingEvent.EpochEnded<MlpClassifier, ClassificationMetrics> end) {
            ends.add(end);
          }
        })
        .blockLast();

    // Epoch checkpoints after epochs 0 and 1: each holds that epoch's train and val values.
    List<CheckpointManifest> manifests =
        callback.store().list().stream().map(CheckpointStore::readManifest).toList();
    assertThat(manifests).hasSize(2);
    for (int epoch = 0; epoch < 2; epoch++) {
      Map<String, Double> expected = new java.util.LinkedHashMap<>();
      for (TrainingEvent.EpochEnded<MlpClassifier, ClassificationMetrics> end : ends) {
        if (end.epoch() == epoch) {
          end.values().forEach((key, value) -> expected.put(end.mode().label() + "/" + key, value));
        }
      }
      assertThat(expected).containsKeys("train/loss", "val/loss", "val/accuracy");
      assertThat(manifests.get(epoch).metrics()).isEqualTo(expected);
      assertThat(manifests.get(epoch).run()).isEqualTo(record);
    }
  }

  @Test
  void everyNEpochsWritesAfterTheEpochsValidationAndResumesAtTheNextEpoch() {
    CheckpointCallback callback = keepAll(dir).everyEpochs(2).atEnd(false).build();

    List<TrainingEvent<MlpClassifier, ClassificationMetrics>> events =
        digits(5).subscribers(callback).events().collectList().block();

    assertThat(positions(callback))
        .containsExactly(new RunPosition(2, 0, 10, 4), new RunPosition(4, 0, 20, 8));
    assertThat(triggers(callback)).containsExactly("epoch", "epoch");
    // Written at the first event after the epoch's ValidationEnded: the next epoch's start.
    assertThat(announcedAfter(events)).containsExactly(
        "EpochStarted -> ckpt-000000000010.npz at " + new RunPosition(2, 0, 10, 4),
        "EpochStarted -> ckpt-000000000020.npz at " + new RunPosition(4, 0, 20, 8));
  }

  @Test
  void anEpochWithoutValidationIsCompleteAtItsTrainEpochEnd() {
    CheckpointCallback callback = keepAll(dir).everyEpochs(1).atEnd(false).build();

    digits(3).validateEveryEpochs(2).subscribers(callback).block();

    // Validation after epoch 1 only; each checkpoint resumes at the next epoch.
    assertThat(positions(callback)).containsExactly(new RunPosition(1, 0, 5, 0),
        new RunPosition(2, 0, 10, 2), new RunPosition(3, 0, 15, 2));
  }

  @Test
  void everyIntervalOfWallTimeWithAnInjectedClock() {
    AtomicLong seconds = new AtomicLong();
    InstantSource clock = () -> Instant.ofEpochSecond(seconds.get());
    CheckpointCallback checkpoints =
        keepAll(dir).every(Duration.ofSeconds(30)).clock(clock).atEnd(false).build();
    TrainingSubscriber<Object, Object> tenSecondsPerStep = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step
          && step.mode() == Mode.TRAIN) {
        seconds.addAndGet(10);
      }
    };

    digits(2).subscribers(tenSecondsPerStep, checkpoints).block();

    assertThat(positions(checkpoints)).extracting(RunPosition::trainSteps)
        .containsExactly(3L, 6L, 9L);
    assertThat(triggers(checkpoints)).containsOnly("time");
  }

  /**
   * Runs one train and one val batch per epoch, the val batch being the epoch's val loss, with
   * an epoch checkpoint after each epoch; returns the losses the kept checkpoints recorded.
   */
  private static List<Double> keptLosses(CheckpointCallback checkpoints, double... valLoss) {
    Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[valLoss.length]))
        .validate(ScriptedLoss.script(1, valLoss))
        .epochs(valLoss.length)
        .subscribers(checkpoints)
        .block();
    return checkpoints.store().list().stream()
        .map(f -> CheckpointStore.readManifest(f).metrics().get("val/loss")).toList();
  }

  @Test
  void keepsTheLastNAndTheBestKByTheMonitoredMetric() {
    CheckpointCallback checkpoints = CheckpointCallback.builder(dir)
        .everyEpochs(1).keepLast(2).keepBest(2, "loss", Mode.VAL, Direction.MIN).build();

    List<Double> kept = keptLosses(checkpoints, 0.9, 0.3, 0.8, 0.2, 0.7, 0.6, 0.5);

    // Epoch checkpoints after epochs 0..6 hold losses 0.9 0.3 0.8 0.2 0.7 0.6 0.5: the best two
    // are after epochs 1 and 3 (resuming at 2 and 4), the last two after epochs 5 and 6.
    assertThat(positions(checkpoints)).extracting(RunPosition::epoch).containsExactly(2, 4, 6, 7);
    assertThat(kept).containsExactly(0.3, 0.2, 0.6, 0.5);
  }

  @Test
  void keepBestRanksNoCheckpointByAValidationCutShort() {
    CheckpointCallback checkpoints = CheckpointCallback.builder(dir)
        .everyEpochs(1).keepLast(1).keepBest(1, "loss", Mode.VAL, Direction.MIN).build();

    // Validations of two batches: 1.0 and 1.0 after epoch 0; after epoch 1, 0.1 and 5.0, cut
    // short after 0.1, which would rank the end checkpoint best and delete epoch 0's.
    Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(1, new double[3]))
        .validate(ScriptedLoss.script(2, 1.0, 1.0, 0.1, 5.0))
        .epochs(3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), checkpoints) // the validation of epoch 1
        .block();

    // The epoch checkpoint after epoch 0, the best, and the end one (the last) inside epoch 1,
    // which records the latest complete validation's value.
    assertThat(positions(checkpoints))
        .containsExactly(new RunPosition(1, 0, 1, 2), new RunPosition(1, 1, 2, 2));
    assertThat(checkpoints.store().list())
        .extracting(f -> CheckpointStore.readManifest(f).metrics().get("val/loss"))
        .containsExactly(1.0, 1.0);
  }

  @Test
  void anEpochCutShortOutsideTheMonitoredModeIsStillRecorded() {
    CheckpointCallback checkpoints = CheckpointCallback.builder(dir)
        .everyEpochs(1).keepLast(2).keepBest(1, "loss", Mode.VAL, Direction.MIN).build();

    // Train epochs of two batches: 3 and 5, then 8 alone before the stop.
    Solstice.run(ScriptedLoss.fresh())
        .train(ScriptedLoss.script(2, 3.0, 5.0, 8.0, 9.0))
        .validate(ScriptedLoss.script(1, 1.0, 2.0))
        .epochs(3)
        .subscribers(StopAt.stepEnd(Mode.TRAIN, 2), checkpoints) // as the end of an online run
        .block();

    List<Path> files = checkpoints.store().list();
    Map<String, Double> last = CheckpointStore.readManifest(files.get(files.size() - 1)).metrics();
    assertThat(last).containsEntry("train/loss", 8.0).containsEntry("val/loss", 1.0);
  }

  @Test
  void keepBestRanksLargerValuesFirstWhenMaximising() {
    CheckpointCallback checkpoints = CheckpointCallback.builder(dir)
        .everyEpochs(1).keepLast(1).keepBest(2, "loss", Mode.VAL, Direction.MAX).build();

    assertThat(keptLosses(checkpoints, 0.9, 0.3, 0.8, 0.2)).containsExactly(0.9, 0.8, 0.2);
  }

  @Test
  void savesSourcePositionAndCallbackStatesAndRestoresThemOnResume() {
    AtomicLong offset = new AtomicLong();
    EarlyStopping es = EarlyStopping.monitor("loss").patience(50).build();
    TrainingSubscriber<Object, Object> source = event -> {
      if (event instanceof TrainingEvent.StepEnded<Object, Object>) {
        offset.incrementAndGet();
      }
    };
    CheckpointCallback checkpoints = keepAll(dir).everySteps(5).saveStateOf("early_stopping", es)
        .sourcePosition(() -> Map.of("topic", "train", "offset", offset.get())).build();

    digits(3).subscribers(source, es, checkpoints).block();

    Checkpoint last = CheckpointStore.open(dir).loadLatest().orElseThrow();
    // 3 epochs of 5 train and 2 val steps.
    assertThat(last.manifest().sourcePosition())
        .containsEntry("topic", "train").containsEntry("offset", 21);
    assertThat(last.manifest().callbackStates()).containsKey("early_stopping");
    assertThat(last.manifest().callbackStates().get("early_stopping"))
        .containsEntry("evaluations", 3);

    EarlyStopping fresh = EarlyStopping.monitor("loss").patience(50).build();
    CheckpointCallback again = CheckpointCallback.builder(dir)
        .saveStateOf("early_stopping", fresh).build();
    Resumed<MlpClassifier> resumed = again.resume(model());

    assertThat(resumed.sourcePosition()).containsEntry("offset", 21);
    assertThat(fresh.bestValue()).isEqualTo(es.bestValue());
    assertThat(fresh.waitCount()).isEqualTo(es.waitCount());
    assertThat(resumed.experiment().state()).isEqualTo(last.state());
  }

  @Test
  void backgroundWritingProducesTheSameCheckpointsAsWritingOnTheTrainingThread()
      throws IOException {
    CheckpointCallback sync = keepAll(dir.resolve("sync")).everySteps(2).build();
    CheckpointCallback background = keepAll(dir.resolve("bg")).everySteps(2).inBackground(1).build();

    digits(3).subscribers(sync).block();
    List<TrainingEvent<MlpClassifier, ClassificationMetrics>> events =
        digits(3).subscribers(background).events().collectList().block();

    // 15 train steps: every 2 steps (7) and the end.
    assertThat(background.store().list()).hasSameSizeAs(sync.store().list()).hasSize(8);
    for (int i = 0; i < sync.store().list().size(); i++) {
      Checkpoint a = CheckpointStore.load(sync.store().list().get(i));
      Checkpoint b = CheckpointStore.load(background.store().list().get(i));
      assertThat(b.state()).isEqualTo(a.state());
      assertThat(b.manifest().position()).isEqualTo(a.manifest().position());
    }
    try (Stream<Path> files = Files.list(dir.resolve("bg"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
    }
    // A background checkpoint is announced at the first event after its write completed, in
    // the order written; the last ones may complete only while the run ends.
    List<Path> announced = events.stream()
        .filter(e -> e instanceof TrainingEvent.CheckpointWritten<?, ?>)
        .map(e -> ((TrainingEvent.CheckpointWritten<?, ?>) e).path()).toList();
    assertThat(announced).isNotEmpty();
    assertThat(background.written()).startsWith(announced.toArray(Path[]::new));
  }

  @Test
  void oneInstanceServesRunsOneAfterTheOther() {
    CheckpointCallback background =
        keepAll(dir).everySteps(5).atEnd(false).inBackground(1).build();

    digits(1).subscribers(background).block();
    digits(2).subscribers(background).block();

    // Run 1 writes after step 5, run 2 after steps 5 and 10: each run starts a writer and
    // awaits it when it ends.
    assertThat(background.written()).extracting(p -> p.getFileName().toString()).containsExactly(
        "ckpt-000000000005.npz", "ckpt-000000000005.npz", "ckpt-000000000010.npz");
  }

  @Test
  void aSecondRunStartingWhileOneIsInProgressIsRefused() {
    CheckpointCallback callback = CheckpointCallback.builder(dir).build();
    MlpClassifier exp = model();
    callback.onEvent(new TrainingEvent.RunStarted<>(new StubRun(), exp, RunPosition.START));

    assertThatThrownBy(() -> callback.onEvent(
        new TrainingEvent.RunStarted<>(new StubRun(), exp, RunPosition.START)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("serves one run at a time");
  }

  @Test
  void anExperimentThatIsNotCheckpointableFailsTheRunWhenItStarts() {
    CheckpointCallback callback = CheckpointCallback.builder(dir).build();
    Ledger ledger = new Ledger();

    assertThatThrownBy(() -> Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 3)).subscribers(callback).block())
        .isInstanceOf(TrainingException.class)
        .hasRootCauseMessage("CheckpointCallback needs an experiment that implements "
            + "io.solstice.core.Checkpointable, but "
            + CountingExperiment.class.getName() + " does not");
    assertThat(ledger.created()).isZero();
  }

  @Test
  void saveNowWritesAtTheLatestEventsPositionAndIsAnnounced() {
    CheckpointCallback checkpoints = keepAll(dir).atEnd(false).build();
    TrainingSubscriber<Object, Object> saveAfterFirstTrainEpoch = event -> {
      if (event instanceof TrainingEvent.EpochEnded<Object, Object> end
          && end.mode() == Mode.TRAIN && end.epoch() == 0) {
        checkpoints.saveNow((MlpClassifier) end.experiment());
      }
    };

    List<TrainingEvent<MlpClassifier, ClassificationMetrics>> events =
        digits(2).subscribers(checkpoints, saveAfterFirstTrainEpoch).events().collectList().block();

    // Validation is due after epoch 0, so its train epoch end is still inside the epoch.
    assertThat(positions(checkpoints)).containsExactly(new RunPosition(0, 5, 5, 0));
    assertThat(triggers(checkpoints)).containsExactly("manual");
    assertThat(announcedAfter(events)).containsExactly(
        "EpochEnded -> ckpt-000000000005.npz at " + new RunPosition(0, 5, 5, 0));
    assertThatThrownBy(() -> checkpoints.saveNow(model()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("serves none");
  }

  @Test
  void aFailedBackgroundWriteFailsTheRun() throws IOException {
    Path blocked = dir.resolve("blocked");
    CheckpointCallback background =
        CheckpointCallback.builder(blocked).everySteps(1).inBackground(1).build();
    // Replace the directory by a file: every write fails.
    Files.delete(blocked);
    Files.writeString(blocked, "not a directory");

    assertThatThrownBy(() -> digits(1).subscribers(background).block())
        .isInstanceOf(TrainingException.class)
        .cause()
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("background checkpoint write failed");
  }

  @Test
  void aFailedRunGetsNoEndCheckpoint() {
    CheckpointCallback callback = CheckpointCallback.builder(dir).build();
    TrainingSubscriber<Object, Object> failing = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step
          && step.globalStep() == 2) {
        throw new IllegalStateException("boom");
      }
    };

    assertThatThrownBy(() -> digits(1).subscribers(failing, callback).block())
        .isInstanceOf(TrainingException.class);

    assertThat(callback.store().list()).isEmpty();
  }

  @Test
  void aRunStoppedMidEpochCheckpointsThePositionInsideThatEpoch() {
    // The engine ends a train epoch stopped by maxSteps like a finished one; the end checkpoint
    // must still resume inside it, not at the next epoch.
    CheckpointCallback callback = CheckpointCallback.builder(dir).build();

    digits(2).maxSteps(3).subscribers(callback).block();

    assertThat(positions(callback)).containsExactly(new RunPosition(0, 3, 3, 0));
  }

  @Test
  void aRunStoppedAtItsTrainEpochEndBeforeADueValidationCheckpointsInsideThatEpoch() {
    CheckpointCallback callback = CheckpointCallback.builder(dir).everyEpochs(1).build();
    TrainingSubscriber<Object, Object> stopAtFirstTrainEpochEnd = event -> {
      if (event instanceof TrainingEvent.EpochEnded<Object, Object> end
          && end.mode() == Mode.TRAIN) {
        end.run().stop("enough");
      }
    };

    digits(2).subscribers(stopAtFirstTrainEpochEnd, callback).block();

    // Its validation never ran: resuming skips the 5 batches and runs it.
    assertThat(positions(callback)).containsExactly(new RunPosition(0, 5, 5, 0));
    assertThat(triggers(callback)).containsExactly("end");
  }

  @Test
  void aRunStoppedAfterAnEpochsValidationCheckpointsTheNextEpoch() {
    CheckpointCallback callback = CheckpointCallback.builder(dir).build();
    TrainingSubscriber<Object, Object> stopAfterFirstValidation = event -> {
      if (event instanceof TrainingEvent.ValidationEnded<Object, Object> validation) {
        validation.run().stop("enough");
      }
    };

    RunOutcome.Status status = digits(3).subscribers(stopAfterFirstValidation, callback)
        .events().last().map(e -> ((TrainingEvent.RunEnded<?, ?>) e).outcome().status()).block();

    assertThat(status).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(positions(callback)).containsExactly(new RunPosition(1, 0, 5, 2));
  }
}
