package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Callback;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.testing.FakeLoop;
import io.solstice.core.testing.LinearRegression;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A run interrupted at step k and resumed ends bit-identical to an uninterrupted run. */
class CheckpointResumeTest {

  private static final int EPOCHS = 3;
  private static final List<LinearRegression.Batch> TRAIN = LinearRegression.batches(10, 8, 1);
  private static final List<LinearRegression.Batch> VAL = LinearRegression.batches(3, 8, 2);

  @TempDir Path dir;

  private static CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> checkpoints(
      Path directory, boolean background) {
    CheckpointCallback.Builder<LinearRegression, LinearRegression.Batch, MeanMetric> builder =
        CheckpointCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder(directory)
            .everySteps(4);
    return (background ? builder.inBackground(2) : builder).build();
  }

  private static FakeLoop<LinearRegression, LinearRegression.Batch, MeanMetric> loop(
      Callback<LinearRegression, LinearRegression.Batch, MeanMetric> callback) {
    return new FakeLoop<>(TRAIN, VAL, List.of(callback));
  }

  @ParameterizedTest(name = "background writes: {0}")
  @ValueSource(booleans = {false, true})
  void interruptedAtStep13AndResumedEndsBitIdenticalToAnUninterruptedRun(boolean background) {
    LinearRegression uninterrupted =
        loop(checkpoints(dir.resolve("straight"), background)).run(LinearRegression.create(42), EPOCHS);

    Path crashed = dir.resolve("crashed");
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> first = checkpoints(crashed, background);
    assertThatThrownBy(() -> loop(first).crashAfterTrainSteps(13).run(LinearRegression.create(42), EPOCHS))
        .isInstanceOf(FakeLoop.Crash.class);
    first.awaitWrites();

    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> second = checkpoints(crashed, background);
    Resumed<LinearRegression> resumed = second.resume(LinearRegression.create(42));
    // Steps 0..11 are checkpointed (every 4); the crash lost step 12. Epochs hold 10 batches.
    assertThat(resumed.position()).isEqualTo(new RunPosition(1, 2, 12, 3));
    assertThat(resumed.experiment().steps()).isEqualTo(12);
    LinearRegression continued = loop(second).resumeFrom(resumed.position()).run(resumed.experiment(), EPOCHS);

    assertThat(continued.state()).isEqualTo(uninterrupted.state());
    assertThat(continued.steps()).isEqualTo(30);
    // The resumed run's own checkpoints carry the same positions as the uninterrupted run's.
    List<RunPosition> straightPositions = CheckpointStore.open(dir.resolve("straight")).list().stream()
        .map(f -> CheckpointStore.readManifest(f).position()).toList();
    List<RunPosition> resumedPositions = CheckpointStore.open(crashed).list().stream()
        .map(f -> CheckpointStore.readManifest(f).position()).toList();
    assertThat(resumedPositions).isEqualTo(straightPositions)
        .contains(new RunPosition(2, 4, 24, 6), new RunPosition(3, 0, 30, 9));
  }

  @ParameterizedTest(name = "resume from the checkpoint after {0} train steps")
  @ValueSource(longs = {4, 8, 20, 28})
  void resumingFromAnyChosenCheckpointEndsBitIdentical(long trainSteps) {
    Path straight = dir.resolve("all");
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> keepAll =
        CheckpointCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder(straight)
            .everySteps(4).keepLast(Integer.MAX_VALUE).build();
    LinearRegression uninterrupted = loop(keepAll).run(LinearRegression.create(7), EPOCHS);

    Path chosen = straight.resolve(CheckpointStore.fileName(trainSteps));
    Resumed<LinearRegression> resumed = Checkpoints.resume(chosen, LinearRegression.create(7), Map.of());
    CheckpointCallback<LinearRegression, LinearRegression.Batch, MeanMetric> none =
        CheckpointCallback.<LinearRegression, LinearRegression.Batch, MeanMetric>builder(dir.resolve("x"))
            .atEnd(false).build();
    LinearRegression continued = loop(none).resumeFrom(resumed.position()).run(resumed.experiment(), EPOCHS);

    assertThat(continued.state()).isEqualTo(uninterrupted.state());
  }
}
