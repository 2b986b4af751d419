package io.solstice.benchmarks.internal;

import io.solstice.core.nd4j.HostGemm;
import io.solstice.core.nd4j.HostMatrix;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The matrix multiplications of one {@code MlpClassifier} train step, and nothing else: the
 * same {@link HostGemm} calls (OpenBLAS's sgemm, called directly), at the same shapes and with
 * the same transposes, on float32 arrays allocated once and looked up once as {@link HostMatrix}es
 * (the batch's features once per step), as the model does. Timing them gives the floor the step's
 * own math sets at the machine's SGEMM rate.
 *
 * <p>The list mirrors {@code MlpNetwork}: per layer {@code l} with {@code in -> out} units and
 * {@code B} rows, the forward {@code X[B,in] W[in,out]}; backward from the last layer, the weight
 * gradient {@code X^T delta}, the bias gradient {@code ones[1,B] delta}, and, above the first
 * layer, the input gradient {@code delta W^T} (the first layer's is not needed). If the model
 * changes how it computes a step, change this list with it.
 */
public final class StepGemms {

  private final List<Gemm> gemms = new ArrayList<>();
  private final long flops;

  private StepGemms(int[] sizes, int batch) {
    int layers = sizes.length - 1;
    HostMatrix[] weights = new HostMatrix[layers];
    HostMatrix[] activations = new HostMatrix[layers];
    for (int l = 0; l < layers; l++) {
      weights[l] = random(sizes[l], sizes[l + 1]);
      activations[l] = random(batch, sizes[l + 1]);
      gemms.add(new Gemm(l == 0 ? null : activations[l - 1], weights[l], activations[l], false, false));
    }
    HostMatrix ones = HostMatrix.of(Nd4j.ones(DataType.FLOAT, 1, batch));
    HostMatrix delta = random(batch, sizes[layers]);
    for (int l = layers - 1; l >= 0; l--) {
      HostMatrix previous = l == 0 ? null : activations[l - 1];
      gemms.add(new Gemm(previous, delta, random(sizes[l], sizes[l + 1]), true, false));
      gemms.add(new Gemm(ones, delta, random(1, sizes[l + 1]), false, false));
      if (l > 0) {
        HostMatrix previousDelta = random(batch, sizes[l]);
        gemms.add(new Gemm(delta, weights[l], previousDelta, false, true));
        delta = previousDelta;
      }
    }
    long sum = 0;
    for (Gemm gemm : gemms) {
      sum += gemm.flops(batch, sizes[0]);
    }
    this.flops = sum;
  }

  /**
   * The gemms of a train step of an MLP.
   *
   * @param sizes inputs, hidden layer sizes, outputs
   * @param batch rows per step
   * @return the gemms, with their arrays allocated
   */
  public static StepGemms forMlp(int[] sizes, int batch) {
    return new StepGemms(sizes.clone(), batch);
  }

  /**
   * Runs every gemm of one step, in the step's order.
   *
   * @param features the batch's features, FLOAT [batch, inputs]: the first layer's input
   */
  public void run(INDArray features) {
    HostMatrix x = HostMatrix.of(features);
    for (Gemm gemm : gemms) {
      HostGemm.gemm(gemm.a == null ? x : gemm.a, gemm.b, gemm.c, gemm.transA, gemm.transB, 1.0, 0.0);
    }
  }

  /**
   * Floating-point operations of one step's gemms: 2 m n k summed.
   *
   * @return FLOPs per step
   */
  public long flops() {
    return flops;
  }

  /**
   * The gemms as "m x n x k" strings, in order, for the report.
   *
   * @param batch rows per step
   * @param inputs features per row
   * @return one entry per gemm
   */
  public List<String> shapes(int batch, int inputs) {
    List<String> out = new ArrayList<>();
    for (Gemm gemm : gemms) {
      long[] mnk = gemm.mnk(batch, inputs);
      out.add(mnk[0] + "x" + mnk[1] + "x" + mnk[2] + (gemm.transA ? " (A^T)" : "")
          + (gemm.transB ? " (B^T)" : ""));
    }
    return out;
  }

  /**
   * Each gemm's own rate, timed alone (median of several timings of {@code repetitions} calls):
   * which of the step's shapes SGEMM runs slowly.
   *
   * @param features a batch's features, the first layer's input
   * @param repetitions calls per timing
   * @param timings timings per gemm
   * @return per gemm, in the step's order: its m x n x k, its median GFLOP/s and microseconds
   *     per call
   */
  public List<Json.Obj> gflopsByGemm(INDArray features, int repetitions, int timings) {
    int batch = (int) features.size(0);
    int inputs = (int) features.size(1);
    List<String> names = shapes(batch, inputs);
    List<Json.Obj> out = new ArrayList<>();
    for (int g = 0; g < gemms.size(); g++) {
      Gemm gemm = gemms.get(g);
      HostMatrix a = gemm.a == null ? HostMatrix.of(features) : gemm.a;
      double gflop = gemm.flops(batch, inputs) * (double) repetitions / 1e9;
      Summary rate = Interleaved.measure(1, timings, () -> Timer.throughput(gflop, () -> {
        for (int i = 0; i < repetitions; i++) {
          HostGemm.gemm(a, gemm.b, gemm.c, gemm.transA, gemm.transB, 1.0, 0.0);
        }
      }));
      out.add(Json.obj()
          .put("m_n_k", names.get(g))
          .put("gflops", rate.median())
          .put("us_per_call", gemm.flops(batch, inputs) / rate.median() / 1e3));
    }
    return out;
  }

  /**
   * The rate of square SGEMMs {@code n x n x n}, for reference.
   *
   * @param n the size
   * @param repetitions gemms per measurement
   * @return GFLOP/s of one measurement (call it several times)
   */
  public static java.util.function.DoubleSupplier squareGflops(int n, int repetitions) {
    HostMatrix a = random(n, n);
    HostMatrix b = random(n, n);
    HostMatrix c = random(n, n);
    double gflop = 2.0 * n * n * n * repetitions / 1e9;
    return () -> Timer.throughput(gflop, () -> {
      for (int i = 0; i < repetitions; i++) {
        HostGemm.gemm(a, b, c, false, false, 1.0, 0.0);
      }
    });
  }

  private static HostMatrix random(long rows, long columns) {
    return HostMatrix.of(Nd4j.rand(DataType.FLOAT, rows, columns));
  }

  /** One {@code C = op(A) op(B)}; a null A is the batch's features. */
  private record Gemm(HostMatrix a, HostMatrix b, HostMatrix c, boolean transA, boolean transB) {

    /** m, n, k of this gemm (A's shape comes from the features when A is null). */
    long[] mnk(int batch, int inputs) {
      long rows = a == null ? batch : a.rows();
      long columns = a == null ? inputs : a.columns();
      long m = transA ? columns : rows;
      long k = transA ? rows : columns;
      return new long[] {m, c.columns(), k};
    }

    long flops(int batch, int inputs) {
      long[] mnk = mnk(batch, inputs);
      return 2 * mnk[0] * mnk[1] * mnk[2];
    }
  }
}
