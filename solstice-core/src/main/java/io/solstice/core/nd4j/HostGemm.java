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
    if (!OpenBlas.available() || !fits(a, b, c, transposeA, transposeB)) {
      Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
      return;
    }
    int m = (int) c.size(0);
    int n = (int) c.size(1);
    int k = (int) (transposeA ? a.size(0) : a.size(1));
    int opA = transposeA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    int opB = transposeB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
    int lda = (int) a.size(1);
    int ldb = (int) b.size(1);
    int ldc = n;
    if (c.dataType() == DataType.FLOAT) {
      openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, opA, opB, m, n, k, (float) alpha,
          floats(a), lda, floats(b), ldb, (float) beta, floats(c), ldc);
    } else {
      openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, opA, opB, m, n, k, alpha,
          doubles(a), lda, doubles(b), ldb, beta, doubles(c), ldc);
    }
  }

  /**
   * Whether cblas can take these arrays as they are: CPU memory of one type (float32 or
   * float64), each a dense row-major matrix, with shapes that agree.
   */
  static boolean fits(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB) {
    DataType type = c.dataType();
    if ((type != DataType.FLOAT && type != DataType.DOUBLE) || a.dataType() != type || b.dataType() != type
        || !denseRowMajor(a) || !denseRowMajor(b) || !denseRowMajor(c)) {
      return false;
    }
    long m = transposeA ? a.size(1) : a.size(0);
    long k = transposeA ? a.size(0) : a.size(1);
    long bk = transposeB ? b.size(1) : b.size(0);
    long n = transposeB ? b.size(0) : b.size(1);
    return k == bk && c.size(0) == m && c.size(1) == n && m > 0 && n > 0 && k > 0;
  }

  /** A rank-2 array whose rows lie one after the other in one host buffer. */
  private static boolean denseRowMajor(INDArray array) {
    if (array.rank() != 2 || array.isEmpty() || start(array) < 0
        || array.size(0) > Integer.MAX_VALUE || array.size(1) > Integer.MAX_VALUE
        || array.length() > Integer.MAX_VALUE) {
      return false;
    }
    // A one-row matrix's first stride is never used; ND4J may record anything there.
    return array.stride(1) == 1 && (array.size(0) == 1 || array.stride(0) == array.size(1));
  }

  private static FloatPointer floats(INDArray array) {
    return new FloatPointer(array.data().addressPointer()).position(start(array));
  }

  private static DoublePointer doubles(INDArray array) {
    return new DoublePointer(array.data().addressPointer()).position(start(array));
  }

  /**
   * Where the array's first value lies in its buffer's memory, in values: a view's buffer may
   * itself begin at an offset into the memory it shares, and its address already points there.
   */
  private static long start(INDArray array) {
    return array.offset() - array.data().offset();
  }
}
