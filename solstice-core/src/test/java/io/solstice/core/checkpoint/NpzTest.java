package io.solstice.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.testing.Python;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The npz format: own writer and reader, checked against each other and against numpy. */
class NpzTest {

  @TempDir Path dir;

  private static NamedArrays sample() {
    INDArray matrix = Nd4j.createFromArray(new float[][] {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
    INDArray fOrder = Nd4j.createFromArray(new double[][] {{1.5, -2.25}, {3e300, Double.MIN_VALUE}}).dup('f');
    INDArray view = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}).getColumn(1);
    return NamedArrays.builder()
        .put("layer0/W", matrix)
        .put("f_order", fOrder)
        .put("view", view)
        .put("transposed", matrix.transpose())
        .put("ints", Nd4j.createFromArray(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}))
        .put("longs", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, -1, 1L << 40, Long.MAX_VALUE}))
        .put("bools", Nd4j.createFromArray(new boolean[] {true, false, true}))
        .put("bytes", Nd4j.createFromArray(new byte[] {-128, 0, 127}))
        .put("shorts", Nd4j.createFromArray(new short[] {-32768, 7, 32767}))
        .put("rank0", Nd4j.scalar(2.5f))
        .scalar("step", 123L)
        .scalar("lr", 0.125)
        .put("rank3", Nd4j.arange(24).castTo(DataType.FLOAT).reshape(2, 3, 4))
        .build();
  }

  @Test
  void readerGivesBackWhatTheWriterWroteIncludingViewsFortranOrderAndScalars() {
    Path file = dir.resolve("arrays.npz");
    NamedArrays original = sample();
    Npz.write(file, original);

    NamedArrays back = Npz.read(file);

    assertThat(back.names()).containsExactlyElementsOf(original.names());
    original.asMap().forEach((name, array) -> {
      INDArray read = back.get(name);
      assertThat(read.dataType()).as(name).isEqualTo(array.dataType());
      assertThat(read.ordering()).as(name).isEqualTo('c');
      if (array.rank() == 0) {
        assertThat(read.shape()).as(name).containsExactly(1L);
        assertThat(read.getDouble(0)).isEqualTo(array.getDouble());
      } else {
        assertThat(read.shape()).as(name).containsExactly(array.shape());
        assertThat(read).as(name).isEqualTo(array);
      }
    });
    assertThat(back.get("view").toDoubleVector()).containsExactly(2, 5);
    assertThat(back.get("transposed").getFloat(3, 2)).isEqualTo(12f);
    assertThat(back.getLong("step")).isEqualTo(123L);
  }

  @Test
  void entriesAreStoredUncompressedWithDataAlignedTo64Bytes() throws IOException {
    Path file = dir.resolve("arrays.npz");
    Npz.write(file, sample());
    try (ZipFile zip = new ZipFile(file.toFile())) {
      assertThat(zip.stream()).allSatisfy(entry -> assertThat(entry.getMethod()).isEqualTo(ZipEntry.STORED));
      byte[] npy = zip.getInputStream(zip.getEntry("layer0/W.npy")).readAllBytes();
      String header = new String(npy, 10, 118, java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(header).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");
      assertThat(npy.length - 12 * 4).isEqualTo(128).satisfies(n -> assertThat(n % 64).isZero());
    }
  }

  @Test
  void numpyReadsTheSameValuesTheWriterWrote() throws IOException {
    Python.assumeNumpy();
    Path file = dir.resolve("for-numpy.npz");
    Npz.write(file, sample());
    String script = String.join("\n",
        "import sys, numpy as np",
        "d = np.load(sys.argv[1])",
        "assert d['layer0/W'].dtype == np.float32 and d['layer0/W'].shape == (3, 4)",
        "assert (d['layer0/W'] == np.arange(1, 13, dtype=np.float32).reshape(3, 4)).all()",
        "assert d['f_order'].dtype == np.float64",
        "assert (d['f_order'] == np.array([[1.5, -2.25], [3e300, 5e-324]])).all()",
        "assert (d['view'] == np.array([2.0, 5.0])).all()",
        "assert (d['transposed'] == np.arange(1, 13, dtype=np.float32).reshape(3, 4).T).all()",
        "assert d['ints'].dtype == np.int32 and d['ints'].tolist() == [-2**31, -1, 0, 2**31 - 1]",
        "assert d['longs'].dtype == np.int64 and d['longs'].tolist() == [-2**63, -1, 2**40, 2**63 - 1]",
        "assert d['bools'].dtype == np.bool_ and d['bools'].tolist() == [True, False, True]",
        "assert d['bytes'].dtype == np.int8 and d['shorts'].dtype == np.int16",
        "assert d['rank0'].shape == (1,) and d['rank0'][0] == 2.5",
        "assert d['step'].tolist() == [123] and d['lr'].tolist() == [0.125]",
        "assert (d['rank3'] == np.arange(24, dtype=np.float32).reshape(2, 3, 4)).all()",
        "print('ok')");
    Python.Result result = Python.run(script, file.toString());
    assertThat(result.output()).contains("ok");
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void readerReadsWhatNumpyWroteIncludingCompressedFortranOrderRank0AndBigEndian() throws IOException {
    Python.assumeNumpy();
    Path file = dir.resolve("from-numpy.npz");
    String script = String.join("\n",
        "import sys, numpy as np",
        "np.savez_compressed(sys.argv[1],",
        "  f=np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),",
        "  zero_d=np.array(7, dtype=np.int64),",
        "  big=np.array([1.5, -2.0], dtype='>f4'),",
        "  empty=np.zeros((0, 3), dtype=np.float32))");
    assertThat(Python.run(script, file.toString()).exitCode()).isZero();

    NamedArrays read = Npz.read(file);

    assertThat(read.get("f")).isEqualTo(Nd4j.createFromArray(new double[][] {{0, 1, 2}, {3, 4, 5}}));
    assertThat(read.get("zero_d").rank()).isZero();
    assertThat(read.get("zero_d").getLong()).isEqualTo(7L);
    assertThat(read.get("big").toFloatVector()).containsExactly(1.5f, -2.0f);
    assertThat(read.get("empty").shape()).containsExactly(0L, 3L);
  }

  @Test
  void lessCommonTypesRoundTripThroughNumpyBothWays() throws IOException {
    Python.assumeNumpy();
    Path fromNumpy = dir.resolve("types.npz");
    String script = String.join("\n",
        "import sys, numpy as np",
        "np.savez(sys.argv[1], f2=np.array([1.5, -2.0], dtype=np.float16),",
        "  u1=np.array([0, 200, 255], dtype=np.uint8))");
    assertThat(Python.run(script, fromNumpy.toString()).exitCode()).isZero();

    NamedArrays read = Npz.read(fromNumpy);

    assertThat(read.get("f2").dataType()).isEqualTo(DataType.HALF);
    assertThat(read.get("f2").toFloatVector()).containsExactly(1.5f, -2.0f);
    assertThat(read.get("u1").dataType()).isEqualTo(DataType.UBYTE);
    assertThat(read.get("u1").getInt(1)).isEqualTo(200);

    Path back = dir.resolve("types-back.npz");
    Npz.write(back, read);
    String check = String.join("\n",
        "import sys, numpy as np",
        "a, b = np.load(sys.argv[1]), np.load(sys.argv[2])",
        "for k in a.files:",
        "    assert a[k].dtype == b[k].dtype and (a[k] == b[k]).all(), k",
        "print('ok')");
    Python.Result result = Python.run(check, fromNumpy.toString(), back.toString());
    assertThat(result.output()).contains("ok");
  }

  @Test
  void anUnsupportedNumpyTypeIsRefusedNamingTheEntryAndType() throws IOException {
    Python.assumeNumpy();
    Path file = dir.resolve("u16.npz");
    assertThat(Python.run("import sys, numpy as np\nnp.savez(sys.argv[1], counts=np.array([1], dtype=np.uint16))",
        file.toString()).exitCode()).isZero();

    assertThatThrownBy(() -> Npz.read(file))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("counts.npy")
        .hasMessageContaining("<u2");
  }

  @Test
  void truncatedFileIsRefusedWithItsName() throws IOException {
    Path file = dir.resolve("cut.npz");
    Npz.write(file, sample());
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> Npz.read(file))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(file.toString());
  }
}
