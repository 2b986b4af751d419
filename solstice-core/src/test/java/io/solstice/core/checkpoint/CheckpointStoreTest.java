package io.solstice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.testing.LinearRegression;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The checkpoint directory: format, manifest, verification and refusal of what does not fit. */
class CheckpointStoreTest {

  @TempDir Path dir;

  private static NamedArrays state(double fill) {
    return NamedArrays.builder()
        .put("layer0/W", Nd4j.valueArrayOf(new long[] {4, 5}, fill, DataType.FLOAT))
        .put("layer0/b", Nd4j.valueArrayOf(new long[] {5}, fill, DataType.DOUBLE))
        .scalar("steps", (long) fill)
        .build();
  }

  private static CheckpointManifest manifest(long steps) {
    return CheckpointManifest.at(new RunPosition(1, 3, steps, 7))
        .withTrigger("step")
        .withSourcePosition(Map.of("file", "part-0.arrow", "batch", 3))
        .withCallbackStates(Map.of("early_stopping", Map.of("wait", 2, "best", 0.5)))
        .withMetrics(Map.of("val/loss", 0.25))
        .withRun(Map.of("command", "digits", "options", Map.of("--seed", 42, "--hidden", java.util.List.of(128))));
  }

  @Test
  void writtenCheckpointLoadsWithEveryManifestFieldAndIdenticalArrays() {
    CheckpointStore store = CheckpointStore.open(dir);
    Path file = store.write(state(3), manifest(13));

    Checkpoint loaded = store.loadLatest().orElseThrow();

    assertThat(file.getFileName()).hasToString("ckpt-000000000013.npz");
    assertThat(loaded.file()).isEqualTo(file);
    assertThat(loaded.state()).isEqualTo(state(3));
    CheckpointManifest m = loaded.manifest();
    assertThat(m.position()).isEqualTo(new RunPosition(1, 3, 13, 7));
    assertThat(m.trigger()).isEqualTo("step");
    assertThat(m.sourcePosition()).containsEntry("file", "part-0.arrow").containsEntry("batch", 3);
    assertThat(m.callbackStates().get("early_stopping")).containsEntry("wait", 2).containsEntry("best", 0.5);
    assertThat(m.metrics()).containsEntry("val/loss", 0.25);
    assertThat(m.run()).containsEntry("command", "digits")
        .containsEntry("options", Map.of("--seed", 42, "--hidden", java.util.List.of(128)));
    assertThat(m.libraryVersion()).isNotBlank().isNotEqualTo("unknown");
    assertThat(m.arrays()).extracting(CheckpointManifest.ArrayEntry::name)
        .containsExactly("layer0/W", "layer0/b", "steps");
    assertThat(m.array("layer0/W").dtype()).isEqualTo("<f4");
    assertThat(m.array("layer0/W").shape()).containsExactly(4L, 5L);
    assertThat(m.array("layer0/W").sha256()).hasSize(64);
  }

  @Test
  void numpyReadsACheckpointsArraysAndPythonItsManifestAndChecksums() throws IOException {
    io.solstice.core.testing.Python.assumeNumpy();
    Path file = CheckpointStore.open(dir).write(state(3), manifest(13));
    String script = String.join("\n",
        "import sys, json, zipfile, hashlib, numpy as np",
        "d = np.load(sys.argv[1])",
        "assert (d['layer0/W'] == np.full((4, 5), 3, dtype=np.float32)).all()",
        "assert d['steps'].tolist() == [3]",
        "z = zipfile.ZipFile(sys.argv[1])",
        "assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())",
        "m = json.loads(z.read('manifest.json'))",
        "assert m['position'] == {'epoch': 1, 'batchesIntoEpoch': 3, 'trainSteps': 13, 'valSteps': 7}",
        "for a in m['arrays']:",
        "    assert hashlib.sha256(z.read(a['entry'])).hexdigest() == a['sha256'], a['name']",
        "print('ok')");
    io.solstice.core.testing.Python.Result result = io.solstice.core.testing.Python.run(script, file.toString());
    assertThat(result.output()).contains("ok");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void latestPointerNamesTheNewestAndAPartialTempFileIsIgnored() throws IOException {
    CheckpointStore store = CheckpointStore.open(dir);
    store.write(state(1), manifest(10));
    store.write(state(2), manifest(20));
    Files.write(dir.resolve("ckpt-000000000030.npz.123.tmp"), new byte[] {1, 2, 3});

    assertThat(Files.readString(dir.resolve("latest")).trim()).isEqualTo("ckpt-000000000020.npz");
    assertThat(store.list()).extracting(p -> p.getFileName().toString())
        .containsExactly("ckpt-000000000010.npz", "ckpt-000000000020.npz");
    assertThat(store.loadLatest().orElseThrow().manifest().position().trainSteps()).isEqualTo(20);
  }

  @Test
  void whenTheLatestIsCorruptTheNewestCheckpointThatVerifiesIsLoaded() throws IOException {
    CheckpointStore store = CheckpointStore.open(dir);
    store.write(state(1), manifest(10));
    Path newest = store.write(state(2), manifest(20));
    flipByteInsideArray(newest, "layer0/W");

    Checkpoint loaded = store.loadLatest().orElseThrow();

    assertThat(loaded.manifest().position().trainSteps()).isEqualTo(10);
    assertThat(loaded.state()).isEqualTo(state(1));
  }

  @Test
  void aBitFlipInAnArrayIsRefusedNamingTheArray() throws IOException {
    Path file = CheckpointStore.open(dir).write(state(2), manifest(20));
    flipByteInsideArray(file, "layer0/b");

    assertThatThrownBy(() -> CheckpointStore.load(file))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("layer0/b")
        .hasMessageContaining(file.toString());
  }

  @Test
  void aTruncatedFileIsRefusedNamingTheFile() throws IOException {
    Path file = CheckpointStore.open(dir).write(state(2), manifest(20));
    byte[] bytes = Files.readAllBytes(file);
    for (int cut : new int[] {0, 10, bytes.length / 3, bytes.length - 30, bytes.length - 1}) {
      Files.write(file, Arrays.copyOf(bytes, cut));
      assertThatThrownBy(() -> CheckpointStore.load(file))
          .as("cut at %d of %d bytes", cut, bytes.length)
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining(file.toString());
    }
  }

  @Test
  void aCheckpointOfAnotherExperimentIsRefusedNamingTheArray() {
    Path file = CheckpointStore.open(dir).write(state(2), manifest(20));
    LinearRegression other = LinearRegression.create(1);

    assertThatThrownBy(() -> Checkpoints.resume(file, other, Map.of()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("does not fit")
        .hasMessageContaining("w");
  }

  @Test
  void wrongShapeOrTypeIsRefusedNamingTheArrayBeforeAnyStateIsTouched() {
    LinearRegression fresh = LinearRegression.create(1);
    NamedArrays good = fresh.state();
    NamedArrays wrongShape = NamedArrays.builder()
        .put("w", Nd4j.zeros(DataType.DOUBLE, 4, 1)).put("b", good.get("b"))
        .put("optimizer/vw", good.get("optimizer/vw")).put("optimizer/vb", good.get("optimizer/vb"))
        .put("steps", good.get("steps")).put("rng/state", good.get("rng/state")).build();
    NamedArrays wrongType = NamedArrays.builder()
        .put("w", good.get("w")).put("b", good.get("b").castTo(DataType.FLOAT))
        .put("optimizer/vw", good.get("optimizer/vw")).put("optimizer/vb", good.get("optimizer/vb"))
        .put("steps", good.get("steps")).put("rng/state", good.get("rng/state")).build();
    NamedArrays missing = NamedArrays.builder()
        .put("w", good.get("w")).put("b", good.get("b"))
        .put("optimizer/vw", good.get("optimizer/vw"))
        .put("steps", good.get("steps")).put("rng/state", good.get("rng/state")).build();
    CheckpointStore store = CheckpointStore.open(dir);

    Path shapeFile = store.write(wrongShape, manifest(1));
    Path typeFile = store.write(wrongType, manifest(2));
    Path missingFile = store.write(missing, manifest(3));

    assertThatThrownBy(() -> Checkpoints.resume(shapeFile, fresh, Map.of()))
        .hasMessageContaining("array 'w' is DOUBLE[4, 1] in the checkpoint but DOUBLE[3, 1]");
    assertThatThrownBy(() -> Checkpoints.resume(typeFile, fresh, Map.of()))
        .hasMessageContaining("array 'b' is FLOAT[1]");
    assertThatThrownBy(() -> Checkpoints.resume(missingFile, fresh, Map.of()))
        .hasMessageContaining("optimizer/vb");
  }

  @Test
  void resumeOrStartOnAnEmptyDirectoryStartsFresh() {
    LinearRegression fresh = LinearRegression.create(1);

    Resumed<LinearRegression> start = Checkpoints.resumeOrStart(dir.resolve("none"), fresh, Map.of());

    assertThat(start.position()).isEqualTo(RunPosition.START);
    assertThat(start.experiment()).isSameAs(fresh);
    assertThat(start.restoredFrom()).isEmpty();
    assertThatThrownBy(() -> Checkpoints.resume(dir, fresh, Map.of()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("no complete checkpoint in " + dir);
  }

  @Test
  void aSourcePositionWithANullValueResumesAsSaved() {
    LinearRegression fresh = LinearRegression.create(1);
    Map<String, Object> position = new LinkedHashMap<>();
    position.put("file", "part-0.arrow");
    position.put("offset", null);
    CheckpointStore.open(dir).write(fresh.state(),
        CheckpointManifest.at(new RunPosition(1, 0, 4, 0)).withSourcePosition(position));

    Resumed<LinearRegression> resumed = Checkpoints.resume(dir, fresh, Map.of());

    assertThat(resumed.sourcePosition()).containsEntry("file", "part-0.arrow").containsEntry("offset", null);
  }

  @Test
  void rank0ArraysAreStoredAsShape1AndGivenBackWithRank0WhenTheExperimentHasRank0() {
    NamedArrays withScalar = NamedArrays.builder().put("t", Nd4j.scalar(4.0)).build();
    Path file = CheckpointStore.open(dir).write(withScalar, manifest(1));

    Checkpoint loaded = CheckpointStore.load(file);

    assertThat(loaded.state().get("t").shape()).containsExactly(1L);
    assertThat(loaded.fit(withScalar).get("t").rank()).isZero();
    assertThat(loaded.fit(withScalar).get("t").getDouble()).isEqualTo(4.0);
  }

  /** Flips one byte in the data of an array entry (found by its header in the stored zip). */
  static void flipByteInsideArray(Path file, String arrayName) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    byte[] name = (arrayName + ".npy").getBytes(StandardCharsets.UTF_8);
    int at = indexOf(bytes, name, 0);
    int npy = indexOf(bytes, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'}, at);
    int headerLength = (bytes[npy + 8] & 0xff) | (bytes[npy + 9] & 0xff) << 8;
    int dataStart = npy + 10 + headerLength;
    bytes[dataStart + 1] ^= 0x10;
    Files.write(file, bytes);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("not found: " + new String(needle, StandardCharsets.UTF_8));
  }
}
