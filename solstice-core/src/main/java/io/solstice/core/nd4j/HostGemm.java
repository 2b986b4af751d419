package io.solstice.core.nd4j;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code C = alpha op(A) op(B) + beta C}, as {@link Nd4j#gemm(INDArray, INDArray, INDArray,
 * boolean, boolean, double, double)} computes it, with one call to OpenBLAS's {@code cblas_sgemm}
 * or {@code cblas_dgemm} on the arrays' own memory: the same library, threads and result, bit
 * for bit ({@code HostGemmTest}).
 *
 * <p>Why: ND4J's gemm builds an op context, shape descriptors and their deallocators on every
 * call, 10-35 us on the 2-core benchmark machine whatever the product's size, and an MLP step
 * makes seven to eleven calls. In {@code benchmarks/bench gemm}'s per-gemm timings, a 32 x 10 x
 * 100 product went from 15 us to 4 us and a 128 x 10 x 256 one from 40 us to 20-28 us.
 *
 * <p>A model that keeps its arrays passes them as {@link HostMatrix}es, looked up once; arrays
 * are looked up on every call.
 *
 * <p>Arrays that are not plain row-major host memory of one floating-point type (GPU memory,
 * strided views, mixed types), a backend without OpenBLAS ({@link OpenBlas#available()}), and
 * shapes that do not fit are left to ND4J's gemm, which also raises its own errors.
 *
 * <p>Thread safety: thread-safe (OpenBLAS's gemm is; it keeps no state of its own).
 */
public final class HostGemm {

  private HostGemm() {}

  /**
   * {@code c = alpha op(a) op(b) + beta c}, where op transposes or not.
   *
   * @param a [m, k], or [k, m] with {@code transposeA}
   * @param b [k, n], or [n, k] with {@code transposeB}
   * @param c [m, n], overwritten; must not share memory with a or b
   * @param transposeA whether to use a's transpose
   * @param transposeB whether to use b's transpose
   * @param alpha the product's scale
   * @param beta the scale of c's previous values (0 ignores them, NaN included)
   */
  public static void gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB,
      double alpha, double beta) {
    gemm(HostMatrix.of(a), HostMatrix.of(b), HostMatrix.of(c), transposeA, transposeB, alpha, beta);
  }

  /**
   * {@link #gemm(INDArray, INDArray, INDArray, boolean, boolean, double, double)} on matrices
   * looked up before.
   *
   * @param a [m, k], or [k, m] with {@code transposeA}
   * @param b [k, n], or [n, k] with {@code transposeB}
   * @param c [m, n], overwritten; must not share memory with a or b
   * @param transposeA whether to use a's transpose
   * @param transposeB whether to use b's transpose
   * @param alpha the product's scale
   * @param beta the scale of c's previous values (0 ignores them, NaN included)
   */
  public static void gemm(HostMatrix a, HostMatrix b, HostMatrix c, boolean transposeA, boolean transposeB,
      double alpha, double beta) {
    if (!takes(a, b, c, transposeA, transposeB)) {
      Nd4j.gemm(a.array(), b.array(), c.array(), transposeA, transposeB, alpha, beta);
      return;
    }
    int m = c.rows();
    int n = c.columns();
    int k = transposeA ? a.rows() : a.columns();
    if (m > 1 && n > 1) {
      multiply(a, 0, transposeA, a.columns(), b, transposeB, b.columns(), c, 0, m, n, k, alpha, beta);
      return;
    }
    // A product shaped like a vector is made as ND4J makes it: as its transpose, op(b)^T op(a)^T
    // into the same memory, with an operand that is a vector taken untransposed (a row and a
    // column of its length lie alike in memory). With OpenBLAS's AVX-512 kernels the direct call
    // rounded differently in 57 of 400 random products, each of them shaped like a vector; this
    // order matched ND4J's in all of 1,200 (scratch comparisons on the benchmark machine).
    boolean transposeFirst = !transposeB;
    int firstStride = b.columns();
    if (n == 1 && transposeFirst) {
      transposeFirst = false;
      firstStride = k;
    }
    boolean transposeSecond = !transposeA;
    int secondStride = a.columns();
    if (m == 1 && transposeSecond) {
      transposeSecond = false;
      secondStride = 1;
    }
    multiply(b, 0, transposeFirst, firstStride, a, transposeSecond, secondStride, c, 0, n, m, k, alpha, beta);
  }

  /**
   * Rows {@code from} to before {@code to} of {@code c = a^T b}, in one cblas call: what those
   * rows of the whole product hold, bit for bit, since OpenBLAS computes each value of a product
   * the same way whichever rows the call covers ({@code HostGemmTest}). For making a weight
   * gradient in tiles ({@link GradientTiles}).
   *
   * @param a [k, m], host memory ({@link #takes})
   * @param b [k, n]
   * @param c [m, n]: only the rows asked for are written
   * @throws IllegalArgumentException when {@link #takes} does not, or the rows are not within c
   */
  public static void transposedProductRows(HostMatrix a, HostMatrix b, HostMatrix c, int from, int to) {
    if (!takes(a, b, c, true, false)) {
      throw new IllegalArgumentException("rows of a^T b need host matrices of one type with shapes that agree");
    }
    if (from < 0 || to > c.rows() || from >= to) {
      throw new IllegalArgumentException("rows " + from + " to " + to + " are not within the product's " + c.rows());
    }
    int n = c.columns();
    // Column `from` of a is row `from` of a^T; row `from` of c starts `from` rows in.
    multiply(a, from, true, a.columns(), b, false, n, c, (long) from * n, to - from, n, a.rows(), 1.0, 0.0);
  }

  /**
   * One row-major cblas call: {@code c [m, n] = alpha op(a) op(b) + beta c}, with the given
   * strides, a and c read and written from their values {@code aFrom} and {@code cFrom} on.
   */
  private static void multiply(HostMatrix a, long aFrom, boolean transposeA, int strideA, HostMatrix b,
      boolean transposeB, int strideB, HostMatrix c, long cFrom, int m, int n, int k, double alpha, double beta) {
    int opA = transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    int opB = transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    if (c.type() == DataType.FLOAT) {
      openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, opA, opB, m, n, k, (float) alpha,
          from(a.floats(), aFrom), strideA, b.floats(), strideB, (float) beta, from(c.floats(), cFrom), n);
    } else {
      openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, opA, opB, m, n, k, alpha,
          from(a.doubles(), aFrom), strideA, b.doubles(), strideB, beta, from(c.doubles(), cFrom), n);
    }
  }

  /** The pointer moved on by {@code values}: itself when 0, so a whole product allocates nothing. */
  private static FloatPointer from(FloatPointer pointer, long values) {
    return values == 0 ? pointer : new FloatPointer(pointer).position(pointer.position() + values);
  }

  private static DoublePointer from(DoublePointer pointer, long values) {
    return values == 0 ? pointer : new DoublePointer(pointer).position(pointer.position() + values);
  }

  /**
   * Whether cblas can take these matrices as they are: host memory of one type (float32 or
   * float64), each dense row-major, with shapes that agree.
   */
  public static boolean takes(HostMatrix a, HostMatrix b, HostMatrix c, boolean transposeA, boolean transposeB) {
    if (!a.onHost() || !b.onHost() || !c.onHost() || a.type() != c.type() || b.type() != c.type()) {
      return false;
    }
    int m = transposeA ? a.columns() : a.rows();
    int k = transposeA ? a.rows() : a.columns();
    int bk = transposeB ? b.columns() : b.rows();
    int n = transposeB ? b.rows() : b.columns();
    return k == bk && c.rows() == m && c.columns() == n;
  }
}
