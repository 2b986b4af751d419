package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Whether an array holds only finite values, answered as cheaply as the array allows, and, for
 * one that does not, which kind of value it holds. The engine asks it about a batch's features
 * before each step; the built-in MLPs ask it about their first layer's output, which a NaN or an
 * infinity among the features always reaches.
 *
 * <p>Why not just an ND4J reduction: {@code MatchCondition} over a 128 x 784 float batch took
 * about 1 ms on the 2-core benchmark machine, a quarter of an MLP step. A floating-point value is
 * NaN or infinite exactly when its exponent bits are all ones, so on the CPU backend an array
 * that owns its whole buffer (or a matrix whose memory a {@link HostMatrix} holds) is scanned
 * here in Java, eight bytes at a time, with no branch per value (about 0.015 ms for the same batch
 * once compiled). Where OpenBLAS can be called directly, its sum of magnitudes comes first (about
 * 0.0075 ms): when it is finite, so is every value, and only a non-finite sum (a NaN or infinity,
 * or an overflow) needs the scan. Anything else (views, strided or offset arrays, other data
 * types, GPU memory) goes to ND4J.
 */
public final class FiniteValues {

  // Float32 exponents of two values in one long; adding one unit to an all-ones exponent carries
  // into that value's sign bit, and only then (a smaller exponent never reaches it).
  private static final long FLOAT_EXPONENTS = 0x7f800000_7f800000L;
  private static final long FLOAT_EXPONENT_UNITS = 0x00800000_00800000L;
  private static final long FLOAT_SIGNS = 0x80000000_80000000L;
  // Float64: the same with the value shifted right by one, so that the carry lands in bit 62.
  private static final long DOUBLE_EXPONENT = 0x7ff00000_00000000L >>> 1;
  private static final long DOUBLE_EXPONENT_UNIT = 0x00100000_00000000L >>> 1;
  private static final long DOUBLE_CARRY = 1L << 62;

  private FiniteValues() {}

  /**
   * Whether every value of a floating-point array is finite.
   *
   * @param array the array
   * @return false if any value is NaN or infinite
   */
  public static boolean allFinite(INDArray array) {
    ByteBuffer bytes = HostBytes.of(array);
    return bytes == null ? !BooleanIndexing.or(array, Conditions.notFinite()) : allFinite(bytes, array.dataType());
  }

  /**
   * Whether every value of a matrix is finite, read from the memory its {@link HostMatrix} already
   * holds (a block of rows of a larger array too), and otherwise as {@link #allFinite(INDArray)}.
   *
   * @param matrix a float32 or float64 matrix
   * @return false if any value is NaN or infinite
   */
  public static boolean allFinite(HostMatrix matrix) {
    ByteBuffer bytes = matrix.bytes();
    return bytes == null ? allFinite(matrix.array()) : allFinite(bytes, matrix.type());
  }

  /** {@code values}: float32 or float64 values in native order, from index 0 to the limit. */
  private static boolean allFinite(ByteBuffer values, DataType type) {
    // A finite sum of magnitudes means every value is finite; a non-finite one may also be an
    // overflow of finite values, which the scan below tells apart.
    if (OpenBlas.available() && Double.isFinite(OpenBlas.absoluteSum(values, type))) {
      return true;
    }
    LongBuffer words = values.asLongBuffer();
    int n = words.limit();
    long carries = 0;
    if (type == DataType.FLOAT) {
      for (int i = 0; i < n; i++) {
        carries |= (words.get(i) & FLOAT_EXPONENTS) + FLOAT_EXPONENT_UNITS;
      }
      carries &= FLOAT_SIGNS;
      int length = values.limit() / Float.BYTES;
      if (length % 2 == 1) {
        int last = values.getInt((length - 1) * Float.BYTES);
        carries |= ((last & 0x7f800000) + 0x00800000) & 0x80000000L;
      }
    } else {
      for (int i = 0; i < n; i++) {
        carries |= ((words.get(i) >>> 1) & DOUBLE_EXPONENT) + DOUBLE_EXPONENT_UNIT;
      }
      carries &= DOUBLE_CARRY;
    }
    return carries == 0;
  }

  /**
   * What an array holds that is not finite: {@code "NaN"} when it holds a NaN, otherwise
   * {@code "infinity"} when it holds an infinity, and null when every value is finite. Two ND4J
   * reductions after {@link #allFinite}: only an array that fails pays for telling them apart.
   *
   * @param array a floating-point array
   * @return {@code "NaN"}, {@code "infinity"} or null
   */
  public static String nonFinite(INDArray array) {
    if (allFinite(array)) {
      return null;
    }
    if (BooleanIndexing.or(array, Conditions.isNan())) {
      return "NaN";
    }
    // A non-finite sum of finite values (an overflow) took allFinite to its exact scan, which
    // answered for the values themselves: what is left is an infinity.
    return BooleanIndexing.or(array, Conditions.isInfinite()) ? "infinity" : null;
  }

  /** Whether {@link #allFinite} reads this array's bytes itself rather than asking ND4J. */
  static boolean scansInJava(INDArray array) {
    return HostBytes.of(array) != null;
  }
}
