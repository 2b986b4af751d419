package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.reactive.callbacks.Direction;
import io.solstice.reactive.callbacks.EarlyStopping;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.FakeLoop;
import io.solstice.core.testing.LinearRegression;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When checkpoints are written, which are kept, what they hold, and background writing. */
class CheckpointCallbackTest {

  private static final List<LinearRegression.Batch> TRAIN = LinearRegression.batches(5, 8, 1);
  private static final List<LinearRegression.Batch> VAL = LinearRegression.batches(2, 8, 2);

  @TempDir Path dir;

  private static CheckpointCallback.Builder<LinearRegression, LinearRegression.Batch, MeanMetric> builder(Path dir) {
    return CheckpointCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder(dir).keepLast(Integer.MAX_VALUE);
  }

  private static LinearRegression run(int epochs, List<? extends Callback<LinearRegression, LinearRegression.Batch, MeanMetric>> callbacks) {
    return new FakeLoop<>(TRAIN, VAL, callbacks).run(LinearRegression.create(3), epochs);
  }

  private static List<RunPosition> positions(CheckpointCallback<?, ?, ?> callback) {
    List<RunPosition> positions = new ArrayList<>();
    for (Path file : callback.store().list()) {
      positions.add(CheckpointStore.readManifest(file).position());
    }
    return positions;
  }

  private static List<String> triggers(CheckpointCallback<?, ?, ?> callback) {
    return callback.store().list().stream().map(f -> CheckpointStore.readManifest(f).trigger()).toList();
  }

  @Test
  void everyNStepsWritesAfterStepsNMinus1And2NMinus1AndAtTheEnd() {
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> callback = builder(dir).everySteps(4).build();

    run(2, List.of(callback));

    // 10 train steps over 2 epochs of 5; checkpoints after 4 and 8 steps, then the end (epoch 2 start).
    assertThat(positions(callback)).containsExactly(
        new RunPosition(0, 4, 4, 0), new RunPosition(1, 3, 8, 2), new RunPosition(2, 0, 10, 4));
    assertThat(triggers(callback)).containsExactly("step", "step", "end");
  }

  @Test
  void everyNEpochsWritesAfterTheEpochsValidationAndResumesAtTheNextEpoch() {
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> callback =
        builder(dir).everyEpochs(2).atEnd(false).build();

    run(5, List.of(callback));

    assertThat(positions(callback)).containsExactly(new RunPosition(2, 0, 10, 4), new RunPosition(4, 0, 20, 8));
    assertThat(triggers(callback)).containsExactly("epoch", "epoch");
  }

  @Test
  void everyIntervalOfWallTimeWithAnInjectedClock() {
    AtomicLong seconds = new AtomicLong();
    InstantSource clock = () -> Instant.ofEpochSecond(seconds.get());
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> checkpoints =
        builder(dir).every(Duration.ofSeconds(30)).clock(clock).atEnd(false).build();
    Callback<LinearRegression, LinearRegression.Batch, MeanMetric> tenSecondsPerStep = new Callback<>() {
      @Override
      public void onStepStart(LinearRegression e, long step, Mode mode, LinearRegression.Batch b) {
        if (mode == Mode.TRAIN) {
          seconds.addAndGet(10);
        }
      }
    };

    run(2, List.of(tenSecondsPerStep, checkpoints));

    assertThat(positions(checkpoints)).extracting(RunPosition::trainSteps).containsExactly(3L, 6L, 9L);
    assertThat(triggers(checkpoints)).containsOnly("time");
  }

  @Test
  void keepsTheLastNAndTheBestKByTheMonitoredMetric() {
    // Val loss per epoch is scripted by a wrapper that replaces the outputs' value.
    double[] valLoss = {0.9, 0.3, 0.8, 0.2, 0.7, 0.6, 0.5};
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> checkpoints =
        CheckpointCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder(dir)
            .everyEpochs(1).keepLast(2).keepBest(2, "loss", Mode.VAL, Direction.MIN).build();
    Callback<LinearRegression, LinearRegression.Batch, MeanMetric> scripted = new Callback<>() {
      int epoch;

      @Override
      public void onEpochStart(LinearRegression e, int ep, Mode mode) {
        epoch = ep;
        checkpoints.onEpochStart(e, ep, mode);
      }

      @Override
      public void onStepEnd(MeanMetric outs, LinearRegression e, long step, Mode mode, LinearRegression.Batch b) {
        checkpoints.onStepEnd(mode == Mode.VAL ? MeanMetric.of("loss", valLoss[epoch]) : outs, e, step, mode, b);
      }

      @Override
      public void onEpochEnd(LinearRegression e, int ep, Mode mode) {
        checkpoints.onEpochEnd(e, ep, mode);
      }

      @Override
      public void onRunEnd(LinearRegression e, io.solstice.core.RunOutcome outcome) {
        checkpoints.onRunEnd(e, outcome);
      }
    };

    run(valLoss.length, List.of(scripted));

    // Epoch checkpoints after epochs 0..6 hold losses 0.9 0.3 0.8 0.2 0.7 0.6 0.5: the best two
    // are after epochs 1 and 3 (resuming at 2 and 4), the last two after epochs 5 and 6.
    assertThat(positions(checkpoints)).extracting(RunPosition::epoch).containsExactly(2, 4, 6, 7);
    assertThat(checkpoints.store().list()).extracting(f -> CheckpointStore.readManifest(f).metrics().get("loss"))
        .containsExactly(0.3, 0.2, 0.6, 0.5);
  }

  @Test
  void savesSourcePositionAndCallbackStatesAndRestoresThemOnResume() {
    AtomicLong offset = new AtomicLong();
    EarlyStopping<LinearRegression, LinearRegression.Batch, MeanMetric> es =
        EarlyStopping.<LinearRegression, LinearRegression.Batch, MeanMetric>monitor("loss").patience(50).build();
    Callback<LinearRegression, LinearRegression.Batch, MeanMetric> source = new Callback<>() {
      @Override
      public void onStepEnd(MeanMetric o, LinearRegression e, long step, Mode mode, LinearRegression.Batch b) {
        offset.incrementAndGet();
      }
    };
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> checkpoints =
        builder(dir).everySteps(5).saveStateOf("early_stopping", es)
            .sourcePosition(() -> Map.of("topic", "train", "offset", offset.get())).build();

    run(3, List.of(source, es, checkpoints));

    Checkpoint last = CheckpointStore.open(dir).loadLatest().orElseThrow();
    assertThat(last.manifest().sourcePosition()).containsEntry("topic", "train").containsEntry("offset", 21);
    assertThat(last.manifest().callbackStates()).containsKey("early_stopping");

    EarlyStopping<LinearRegression, LinearRegression.Batch, MeanMetric> fresh =
        EarlyStopping.<LinearRegression, LinearRegression.Batch, MeanMetric>monitor("loss").patience(50).build();
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> again =
        builder(dir).saveStateOf("early_stopping", fresh).build();
    Resumed<LinearRegression> resumed = again.resume(LinearRegression.create(99));

    assertThat(resumed.sourcePosition()).containsEntry("offset", 21);
    assertThat(fresh.bestValue()).isEqualTo(es.bestValue());
    assertThat(fresh.waitCount()).isEqualTo(es.waitCount());
    assertThat(resumed.experiment().state()).isEqualTo(last.state());
  }

  @Test
  void backgroundWritingProducesTheSameCheckpointsAsWritingOnTheTrainingThread() throws IOException {
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> sync =
        builder(dir.resolve("sync")).everySteps(2).build();
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> background =
        builder(dir.resolve("bg")).everySteps(2).inBackground(1).build();

    run(3, List.of(sync));
    run(3, List.of(background));

    assertThat(background.store().list()).hasSameSizeAs(sync.store().list()).hasSize(8);
    for (int i = 0; i < sync.store().list().size(); i++) {
      Checkpoint a = CheckpointStore.load(sync.store().list().get(i));
      Checkpoint b = CheckpointStore.load(background.store().list().get(i));
      assertThat(b.state()).isEqualTo(a.state());
      assertThat(b.manifest().position()).isEqualTo(a.manifest().position());
    }
    assertThat(Files.list(dir.resolve("bg")).filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
  }

  @Test
  void aFailedBackgroundWriteIsReportedFromTheNextHookOrAtRunEnd() throws IOException {
    Path blocked = dir.resolve("blocked");
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> background =
        builder(blocked).everySteps(1).inBackground(1).build();
    // Replace the directory by a file: every write fails.
    Files.delete(blocked);
    Files.writeString(blocked, "not a directory");

    assertThatThrownBy(() -> run(1, List.of(background)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("background checkpoint write failed");
  }

  @Test
  void aFailedRunGetsNoEndCheckpoint() {
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> callback = builder(dir).build();
    LinearRegression exp = LinearRegression.create(1);

    callback.onEpochStart(exp, 0, Mode.TRAIN);
    callback.onRunEnd(exp, io.solstice.core.RunOutcome.failed(new IllegalStateException("boom")));

    assertThat(callback.store().list()).isEmpty();
  }
  @Test
  void aRunStoppedMidEpochCheckpointsThePositionInsideThatEpoch() {
    // The engine ends a train epoch stopped by maxSteps or an early stop like a finished one; the
    // end checkpoint must still resume inside it, not at the next epoch.
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> callback = builder(dir).build();
    LinearRegression exp = LinearRegression.create(1);
    callback.onEpochStart(exp, 0, Mode.TRAIN);
    for (long step = 0; step < 3; step++) {
      callback.onStepEnd(null, exp, step, Mode.TRAIN, null);
    }
    callback.onEpochEnd(exp, 0, Mode.TRAIN);
    callback.onRunEnd(exp, io.solstice.core.RunOutcome.stoppedEarly(null));

    assertThat(positions(callback)).containsExactly(new RunPosition(0, 3, 3, 0));
  }

  @Test
  void aRunStoppedAfterAnEpochsValidationCheckpointsTheNextEpoch() {
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> callback = builder(dir).build();
    LinearRegression exp = LinearRegression.create(1);
    callback.onEpochStart(exp, 0, Mode.TRAIN);
    for (long step = 0; step < 3; step++) {
      callback.onStepEnd(null, exp, step, Mode.TRAIN, null);
    }
    callback.onEpochEnd(exp, 0, Mode.TRAIN);
    callback.onEpochStart(exp, 0, Mode.VAL);
    callback.onStepEnd(null, exp, 0, Mode.VAL, null);
    callback.onEpochEnd(exp, 0, Mode.VAL);
    callback.onRunEnd(exp, io.solstice.core.RunOutcome.stoppedEarly(null));

    assertThat(positions(callback)).containsExactly(new RunPosition(1, 0, 3, 1));
  }
}
