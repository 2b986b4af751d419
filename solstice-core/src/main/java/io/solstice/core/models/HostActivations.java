package io.solstice.core.models;

import io.solstice.core.nd4j.HostMatrix;
import io.solstice.core.nd4j.VectorApi;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The MLP's elementwise steps done in Java on the arrays' own memory: adding the bias and the
 * ReLU after a layer's gemm, and the ReLU derivative of the backward pass, with the same
 * arithmetic as ND4J's {@code addiRowVector}, {@code RectifiedLinear} and {@code
 * RectifiedLinearDerivative} (bit for bit, {@code HostActivationsTest}).
 *
 * <p>Why: each of those ND4J ops costs a call and, with two OpenMP threads, waking the second
 * one; on the 2-core benchmark machine they took 40-190 us per call on a 128 x 256 batch. Here
 * the bias, the ReLU and its derivative together are about 4% of a 784-256-10 step (JFR).
 * Matrices that are not dense host memory (GPU memory, strided views) are left to ND4J: each
 * method says whether it did the work.
 *
 * <p>In float32, where the JVM has Java 17's Vector API ({@link VectorActivations}), the ReLU and
 * its derivative work in place instead of copying the values through heap arrays, with the same
 * result bit for bit.
 */
final class HostActivations {

  /** Values per chunk of the passes over whole arrays: the chunk arrays stay in the L1 cache. */
  private static final int CHUNK = 4096;
  private static final int FLOAT_MAGNITUDE = 0x7fff_ffff;
  private static final int FLOAT_INFINITY = 0x7f80_0000;
  private static final long DOUBLE_MAGNITUDE = 0x7fff_ffff_ffff_ffffL;
  private static final long DOUBLE_INFINITY = 0x7ff0_0000_0000_0000L;

  /**
   * Whether float32 ReLUs run {@link VectorActivations}: probed once. A lambda, not a method
   * reference, so that the class is loaded only inside the probe, where a missing module is caught.
   */
  private static final boolean VECTORS = VectorApi.runs(() -> VectorActivations.probe());

  private HostActivations() {}

  /** Whether this JVM runs {@link VectorActivations}' loops for float32 ReLUs. */
  static boolean vectorsAvailable() {
    return VECTORS;
  }

  /**
   * {@code out += bias} on every row.
   *
   * @param out [rows, units], updated in place
   * @param bias [1, units]
   * @return false when the matrices are not host buffers of one type and nothing was done
   */
  static boolean addBias(HostMatrix out, HostMatrix bias) {
    ByteBuffer bytes = out.bytes();
    if (bytes == null || bias.bytes() == null || bias.type() != out.type() || bias.rows() != 1
        || bias.columns() != out.columns()) {
      return false;
    }
    int rows = out.rows();
    int units = out.columns();
    if (out.type() == DataType.FLOAT) {
      float[] b = new float[units];
      bias.bytes().asFloatBuffer().get(0, b, 0, units);
      FloatBuffer values = bytes.asFloatBuffer();
      float[] row = new float[units];
      for (int r = 0; r < rows; r++) {
        values.get(r * units, row, 0, units);
        for (int j = 0; j < units; j++) {
          row[j] += b[j];
        }
        values.put(r * units, row, 0, units);
      }
    } else {
      // The float32 loop again for float64: one loop over doubles would widen every float32
      // value and change its rounding, and Java has no generics over primitive arrays.
      double[] b = new double[units];
      bias.bytes().asDoubleBuffer().get(0, b, 0, units);
      DoubleBuffer values = bytes.asDoubleBuffer();
      double[] row = new double[units];
      for (int r = 0; r < rows; r++) {
        values.get(r * units, row, 0, units);
        for (int j = 0; j < units; j++) {
          row[j] += b[j];
        }
        values.put(r * units, row, 0, units);
      }
    }
    return true;
  }

  /**
   * {@code out < 0 ? 0 : out} (NaN and -0 stay as they are, as with ND4J's op).
   *
   * @param out [rows, units], updated in place
   * @return false when the matrix is not a host buffer and nothing was done
   */
  static boolean relu(HostMatrix out) {
    return relu(out, VECTORS);
  }

  /** {@link #relu(HostMatrix)} on the vector loop (it must be available) or not. */
  static boolean relu(HostMatrix out, boolean vectors) {
    ByteBuffer bytes = out.bytes();
    if (bytes == null) {
      return false;
    }
    int length = out.rows() * out.columns();
    if (vectors && out.type() == DataType.FLOAT) {
      VectorActivations.relu(bytes, length);
    } else if (out.type() == DataType.FLOAT) {
      reluFloatBits(bytes.asIntBuffer(), length);
    } else {
      reluDoubleBits(bytes.asLongBuffer(), length);
    }
    return true;
  }

  /**
   * {@code delta = activation > 0 ? delta : 0}: the ReLU's derivative, taken from the layer's
   * output.
   *
   * @param activation the layer's output (after the ReLU)
   * @param delta the gradient by that output, updated in place to the gradient by its input
   * @return false when the matrices are not host buffers of one type and shape, and nothing was done
   */
  static boolean reluBackward(HostMatrix activation, HostMatrix delta) {
    return reluBackward(activation, delta, VECTORS);
  }

  /** {@link #reluBackward(HostMatrix, HostMatrix)} on the vector loop (it must be available) or not. */
  static boolean reluBackward(HostMatrix activation, HostMatrix delta, boolean vectors) {
    ByteBuffer a = activation.bytes();
    ByteBuffer d = delta.bytes();
    if (a == null || d == null || activation.type() != delta.type()
        || activation.rows() != delta.rows() || activation.columns() != delta.columns()) {
      return false;
    }
    int length = delta.rows() * delta.columns();
    if (vectors && delta.type() == DataType.FLOAT) {
      VectorActivations.reluBackward(a, d, length);
    } else if (delta.type() == DataType.FLOAT) {
      IntBuffer av = a.asIntBuffer();
      IntBuffer dv = d.asIntBuffer();
      int[] ac = new int[Math.min(CHUNK, length)];
      int[] dc = new int[ac.length];
      for (int start = 0; start < length; start += CHUNK) {
        int n = Math.min(CHUNK, length - start);
        av.get(start, ac, 0, n);
        dv.get(start, dc, 0, n);
        for (int i = 0; i < n; i++) {
          dc[i] &= positiveFloatMask(ac[i]);
        }
        dv.put(start, dc, 0, n);
      }
    } else {
      // float64, as above.
      LongBuffer av = a.asLongBuffer();
      LongBuffer dv = d.asLongBuffer();
      long[] ac = new long[Math.min(CHUNK, length)];
      long[] dc = new long[ac.length];
      for (int start = 0; start < length; start += CHUNK) {
        int n = Math.min(CHUNK, length - start);
        av.get(start, ac, 0, n);
        dv.get(start, dc, 0, n);
        for (int i = 0; i < n; i++) {
          dc[i] &= positiveDoubleMask(ac[i]);
        }
        dv.put(start, dc, 0, n);
      }
    }
    return true;
  }

  // Why the ReLU and its derivative work on the values' bits: "v < 0 ? 0 : v" on floats is a
  // branch per value, which the JIT does not turn into vector code, and a layer's signs are a coin
  // toss, so about half of those branches were mispredicted (10% of a 784-256-10 step). On the
  // bits it is a mask, with integer operations the JIT does vectorize, and the same result bit for
  // bit: zero exactly where the ternary gives 0.

  /** {@code v < 0 ? 0 : v} on float32 bits, in place. */
  private static void reluFloatBits(IntBuffer bits, int length) {
    int[] chunk = new int[Math.min(CHUNK, length)];
    for (int start = 0; start < length; start += CHUNK) {
      int n = Math.min(CHUNK, length - start);
      bits.get(start, chunk, 0, n);
      for (int i = 0; i < n; i++) {
        int v = chunk[i];
        // Negative (sign set) and ordered and not -0: zeroed; -0 and NaNs keep their bits.
        chunk[i] = v & ~((v >> 31) & positiveFloatMask(v & FLOAT_MAGNITUDE));
      }
      bits.put(start, chunk, 0, n);
    }
  }

  /** {@code v < 0 ? 0 : v} on float64 bits, in place. */
  private static void reluDoubleBits(LongBuffer bits, int length) {
    long[] chunk = new long[Math.min(CHUNK, length)];
    for (int start = 0; start < length; start += CHUNK) {
      int n = Math.min(CHUNK, length - start);
      bits.get(start, chunk, 0, n);
      for (int i = 0; i < n; i++) {
        long v = chunk[i];
        chunk[i] = v & ~((v >> 63) & positiveDoubleMask(v & DOUBLE_MAGNITUDE));
      }
      bits.put(start, chunk, 0, n);
    }
  }

  /**
   * All ones when the float32 with these bits is {@code > 0} (from the smallest subnormal to
   * +infinity), else zero: {@code bits - 1} and {@code infinity - bits} are both non-negative
   * exactly then; -0 and negative values wrap below zero, NaNs lie above infinity.
   */
  private static int positiveFloatMask(int bits) {
    return ~(((bits - 1) | (FLOAT_INFINITY - bits)) >> 31);
  }

  /** {@link #positiveFloatMask} for float64 bits. */
  private static long positiveDoubleMask(long bits) {
    return ~(((bits - 1) | (DOUBLE_INFINITY - bits)) >> 63);
  }
}
