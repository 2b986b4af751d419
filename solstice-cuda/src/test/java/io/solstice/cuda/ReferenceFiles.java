package io.solstice.cuda;

import io.solstice.cuda.internal.FlatState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CPU reference figures the GPU check compares with, in files that need no ND4J to read:
 * losses as one decimal per line, a flat state as little-endian float32 values (parameters,
 * then Adam's M and V when present) after a two-int header (length, has moments).
 */
final class ReferenceFiles {

  private ReferenceFiles() {}

  static Path losses(Path dir, CheckVariant variant) {
    return dir.resolve(variant.fileName() + ".losses");
  }

  static Path state(Path dir, CheckVariant variant) {
    return dir.resolve(variant.fileName() + ".state");
  }

  static void writeLosses(Path file, List<Double> losses) throws IOException {
    Files.write(file, losses.stream().map(d -> Double.toString(d)).toList());
  }

  static double[] readLosses(Path file) throws IOException {
    return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).mapToDouble(Double::parseDouble).toArray();
  }

  static void writeState(Path file, FlatState state) throws IOException {
    int n = state.values().length;
    int arrays = state.hasMoments() ? 3 : 1;
    ByteBuffer out = ByteBuffer.allocate(8 + arrays * n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(n).putInt(state.hasMoments() ? 1 : 0);
    out.asFloatBuffer().put(state.values());
    if (state.hasMoments()) {
      out.position(8 + n * Float.BYTES);
      out.asFloatBuffer().put(state.firstMoment()).put(state.secondMoment());
    }
    Files.write(file, out.array());
  }

  /** The parameters and moments of a state file (counters are not stored). */
  static FlatState readState(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int n = in.getInt();
    boolean moments = in.getInt() == 1;
    float[][] arrays = new float[moments ? 3 : 1][n];
    for (float[] array : arrays) {
      in.asFloatBuffer().get(array);
      in.position(in.position() + n * Float.BYTES);
    }
    return new FlatState(arrays[0], moments ? arrays[1] : null, moments ? arrays[2] : null, 0, 0, 0, 0);
  }
}
