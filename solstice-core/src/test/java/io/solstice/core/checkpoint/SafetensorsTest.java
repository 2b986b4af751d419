package io.solstice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.core.testing.Python;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * safetensors files read back by a reader written here from the format's description (header
 * length, JSON header, dtype, shape, offsets) and, where python3 has numpy, by numpy alone:
 * every array equals the checkpoint's.
 */
class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void everyArrayOfACheckpointReadsBackEqualWithTheManifestAsMetadata() throws IOException {
    Checkpoint checkpoint = trainedCheckpoint();
    Path file = dir.resolve("model.safetensors");

    Safetensors.write(file, checkpoint);

    Read read = Read.of(file);
    assertThat(read.arrays().keySet()).containsExactlyElementsOf(checkpoint.state().names());
    for (String name : checkpoint.state().names()) {
      INDArray expected = checkpoint.state().get(name);
      INDArray actual = read.arrays().get(name);
      assertThat(actual.dataType()).as(name).isEqualTo(expected.dataType());
      assertThat(actual.shape()).as(name).isEqualTo(expected.shape());
      assertThat(actual).as(name).isEqualTo(expected);
    }
    JsonNode metadata = read.header().get(Safetensors.METADATA);
    assertThat(metadata.get("experimentType").asText()).isEqualTo(MlpClassifier.class.getName());
    assertThat(metadata.get("trigger").asText()).isEqualTo("epoch");
    assertThat(new ObjectMapper().readTree(metadata.get("position").asText()).get("trainSteps").asLong())
        .isEqualTo(3);
    assertThat(metadata.get("libraryVersion").asText()).isEqualTo(checkpoint.manifest().libraryVersion());
    metadata.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());
  }

  @Test
  void typesShapesAndNonContiguousArraysAreWrittenInCOrderLittleEndian() throws IOException {
    INDArray fortran = Nd4j.create(DataType.DOUBLE, new long[] {2, 3}, 'f');
    fortran.assign(Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}));
    INDArray view = Nd4j.arange(12).castTo(DataType.FLOAT).reshape(3, 4).getColumn(1);
    NamedArrays arrays = NamedArrays.builder()
        .put("f64/fortran", fortran)
        .put("f32/view", view)
        .put("i32", Nd4j.createFromArray(7, -8, 9))
        .put("empty", Nd4j.create(DataType.FLOAT, 0, 4))
        .scalar("counter", 123456789012L)
        .build();
    Path file = dir.resolve("types.safetensors");

    Safetensors.write(file, arrays, Map.of("note", "hello"));

    Read read = Read.of(file);
    assertThat(read.header().get("f64/fortran").get("dtype").asText()).isEqualTo("F64");
    assertThat(read.header().get("i32").get("dtype").asText()).isEqualTo("I32");
    assertThat(read.header().get("counter").get("dtype").asText()).isEqualTo("I64");
    assertThat(read.arrays().get("f64/fortran").toDoubleMatrix()).isEqualTo(new double[][] {{1, 2, 3}, {4, 5, 6}});
    assertThat(read.arrays().get("f32/view").toFloatVector()).containsExactly(1, 5, 9);
    assertThat(read.arrays().get("i32").toIntVector()).containsExactly(7, -8, 9);
    assertThat(read.arrays().get("empty").shape()).containsExactly(0, 4);
    assertThat(read.arrays().get("counter").getLong(0)).isEqualTo(123456789012L);
    assertThat(read.header().get(Safetensors.METADATA).get("note").asText()).isEqualTo("hello");
  }

  @Test
  void aTypeSafetensorsCannotHoldIsRefusedNamingTheArray() {
    NamedArrays arrays = NamedArrays.builder().put("text", Nd4j.create(DataType.UTF8, 1)).build();
    assertThatThrownBy(() -> Safetensors.write(dir.resolve("x.safetensors"), arrays, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("array 'text' is UTF8");
    assertThat(dir.resolve("x.safetensors")).doesNotExist();
  }

  @Test
  void numpyReadsTheSameArraysAsFromTheCheckpoint() throws IOException {
    Python.assumeNumpy();
    Checkpoint checkpoint = trainedCheckpoint();
    Path file = dir.resolve("numpy.safetensors");
    Safetensors.write(file, checkpoint);
    String script = String.join("\n",
        "import sys, json, struct, numpy as np",
        "raw = open(sys.argv[1], 'rb').read()",
        "n = struct.unpack('<Q', raw[:8])[0]",
        "header = json.loads(raw[8:8 + n])",
        "kinds = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8'}",
        "npz = np.load(sys.argv[2])",
        "names = [k for k in header if k != '__metadata__']",
        "assert sorted(names) == sorted(k for k in npz.files if k != 'manifest.json'), names",
        "for k in names:",
        "    h = header[k]; b, e = h['data_offsets']",
        "    a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=kinds[h['dtype']]).reshape(h['shape'])",
        "    assert a.dtype == npz[k].dtype and a.shape == npz[k].shape and np.array_equal(a, npz[k]), k",
        "print('ok', len(names), header['__metadata__']['experimentType'])");

    Python.Result result = Python.run(script, file.toString(), checkpoint.file().toString());

    assertThat(result.output()).contains("ok " + checkpoint.state().size() + " " + MlpClassifier.class.getName());
    assertThat(result.exitCode()).isZero();
  }

  /** A classifier after three Adam steps, checkpointed and loaded back. */
  private Checkpoint trainedCheckpoint() {
    MlpClassifier model = MlpClassifier.builder().inputs(4).hidden(5).classes(3).updater(new Adam(1e-2)).seed(9)
        .build();
    INDArray features = Nd4j.rand(DataType.FLOAT, 6, 4);
    INDArray labels = Nd4j.createFromArray(0, 1, 2, 0, 1, 2);
    for (int step = 0; step < 3; step++) {
      model = model.trainStep(TensorBatch.of(features, labels)).experiment();
    }
    CheckpointStore store = CheckpointStore.open(dir.resolve("checkpoints"));
    Path file = store.write(model.state(), CheckpointManifest.at(new RunPosition(1, 0, 3, 0))
        .withTrigger("epoch").withExperimentType(MlpClassifier.class.getName()));
    return CheckpointStore.load(file);
  }

  /** An independent reader of the format: header length, JSON header, then each array at its offsets. */
  private record Read(JsonNode header, Map<String, INDArray> arrays) {
    static Read of(Path file) throws IOException {
      byte[] bytes = Files.readAllBytes(file);
      ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      long headerLength = buffer.getLong(0);
      assertThat(headerLength % 8).as("header padded to 8 bytes").isZero();
      JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
      int dataStart = 8 + (int) headerLength;
      Map<String, INDArray> arrays = new java.util.LinkedHashMap<>();
      List<long[]> ranges = new ArrayList<>();
      header.fields().forEachRemaining(field -> {
        if (field.getKey().equals(Safetensors.METADATA)) {
          return;
        }
        JsonNode entry = field.getValue();
        long[] shape = new long[entry.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = entry.get("shape").get(i).asLong();
        }
        long begin = entry.get("data_offsets").get(0).asLong();
        long end = entry.get("data_offsets").get(1).asLong();
        ranges.add(new long[] {begin, end});
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart + (int) begin, (int) (end - begin))
            .slice().order(ByteOrder.LITTLE_ENDIAN);
        long count = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        INDArray array = switch (entry.get("dtype").asText()) {
          case "F32" -> { float[] v = new float[(int) count]; data.asFloatBuffer().get(v);
            yield Nd4j.createFromArray(v); }
          case "F64" -> { double[] v = new double[(int) count]; data.asDoubleBuffer().get(v);
            yield Nd4j.createFromArray(v); }
          case "I32" -> { int[] v = new int[(int) count]; data.asIntBuffer().get(v); yield Nd4j.createFromArray(v); }
          case "I64" -> { long[] v = new long[(int) count]; data.asLongBuffer().get(v);
            yield Nd4j.createFromArray(v); }
          default -> throw new AssertionError("unexpected dtype " + entry.get("dtype"));
        };
        assertThat(end - begin).as(field.getKey() + " byte length").isEqualTo(count * array.dataType().width());
        arrays.put(field.getKey(), array.reshape(shape));
      });
      // The arrays tile the data section exactly: contiguous, no gap, no overlap, nothing after.
      ranges.sort(java.util.Comparator.comparingLong(r -> r[0]));
      long next = 0;
      for (long[] range : ranges) {
        assertThat(range[0]).isEqualTo(next);
        next = range[1];
      }
      assertThat(dataStart + next).isEqualTo(bytes.length);
      return new Read(header, arrays);
    }
  }
}
