package io.solstice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.RunPosition;
import io.solstice.core.models.MlpClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of a real model that must not be loaded: an MLP's checkpoint offered to an MLP of
 * other layer sizes or depth, and the checkpoint file truncated or bit-flipped anywhere. Each is
 * refused with a {@link CheckpointException} that names what is wrong, or (a flip in bytes no
 * array or manifest value lives in) loads the very same state; nothing loads wrong values.
 */
class MlpCheckpointRefusalTest {

  @TempDir Path dir;

  private static MlpClassifier mlp(int... hidden) {
    return MlpClassifier.builder().inputs(64).hidden(hidden).classes(10).seed(3).build();
  }

  private Path checkpointOf(MlpClassifier model) {
    return CheckpointStore.open(dir).write(model.state(), CheckpointManifest.at(new RunPosition(0, 5, 5, 0)));
  }

  @Test
  void anMlpCheckpointIsRefusedByAnMlpWithOtherLayerSizesNamingTheArrayAndShapes() {
    Path file = checkpointOf(mlp(16));

    assertThatThrownBy(() -> Checkpoints.resume(file, mlp(32), Map.of()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("does not fit")
        .hasMessageMatching("(?s).*array '[^']+' is FLOAT\\[\\d+(, \\d+)*\\] in the checkpoint but FLOAT.*");
  }

  @Test
  void anMlpCheckpointIsRefusedByAnMlpOfAnotherDepthNamingTheArrays() {
    Path deeper = checkpointOf(mlp(16, 16));
    Path shallower = dir.resolve("other");
    Path shallow = CheckpointStore.open(shallower).write(mlp(16).state(),
        CheckpointManifest.at(new RunPosition(0, 1, 1, 0)));

    assertThatThrownBy(() -> Checkpoints.resume(deeper, mlp(16), Map.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("does not fit");
    assertThatThrownBy(() -> Checkpoints.resume(shallow, mlp(16, 16), Map.of()))
        .isInstanceOf(CheckpointException.class).hasMessageContaining("does not fit");
  }

  @Test
  void aTruncatedMlpCheckpointIsAlwaysRefused() throws IOException {
    MlpClassifier model = mlp(16);
    byte[] valid = Files.readAllBytes(checkpointOf(model));
    Random random = new Random(77);
    for (int i = 0; i < 60; i++) {
      int length = random.nextInt(valid.length);
      Path cut = Files.write(dir.resolve("cut-" + i + ".npz"), Arrays.copyOf(valid, length));
      assertThatThrownBy(() -> Checkpoints.resume(cut, mlp(16), Map.of()))
          .as("cut at %d of %d bytes", length, valid.length)
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining(cut.getFileName().toString());
    }
  }

  @Test
  void aBitFlipAnywhereInAnMlpCheckpointIsRefusedOrChangesNothing() throws IOException {
    MlpClassifier model = mlp(16);
    byte[] valid = Files.readAllBytes(checkpointOf(model));
    Random random = new Random(78);
    int refused = 0;
    for (int i = 0; i < 200; i++) {
      byte[] flipped = valid.clone();
      int at = random.nextInt(flipped.length);
      flipped[at] ^= (byte) (1 << random.nextInt(8));
      Path file = Files.write(dir.resolve("flip-" + i + ".npz"), flipped);
      try {
        Resumed<MlpClassifier> loaded = Checkpoints.resume(file, mlp(16), Map.of());
        assertThat(loaded.experiment().state()).as("flip at byte %d loaded", at).isEqualTo(model.state());
      } catch (CheckpointException expected) {
        refused++;
      }
      Files.delete(file);
    }
    assertThat(refused).as("most flips land in checked bytes").isGreaterThan(100);
  }
}
