package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostAdam}'s float32 loop on Java's Vector API ({@code jdk.incubator.vector}), which reads
 * and writes the gradient and the parameters where ND4J keeps them. The plain loop copies both
 * through heap arrays first, because Java 17's JIT vectorises only loops over heap arrays.
 * Without those copies, an update of 203,530 parameters took 103 us against 134-139 us on the
 * 2-core benchmark machine ({@code OMP_NUM_THREADS=1 benchmarks/bench jmh
 * AdamJmh.solsticeOptimizer}, this build and the one before alternated; see
 * docs/BENCHMARKS.md).
 *
 * <p>Each value's arithmetic is the plain loop's, operation for operation (a product, a sum, a
 * square root and a quotient, each rounded once in float32; no fused multiply-add), and both
 * store an underflowing moment as zero ({@link SubnormalMoments}), so both loops give the same
 * bits ({@code HostAdamTest}).
 *
 * <p>Java 17 and 18 only, with the module added ({@link VectorApi}): {@link HostAdam} calls {@link
 * #probe()} once and falls back to its plain loop where this class cannot run.
 */
final class VectorAdam {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  private VectorAdam() {}

  /**
   * Updates the {@code n} values from {@code start}: advances the moments {@code m} and {@code v}
   * (one block each, from index {@code momentOffset}) and subtracts each update from {@code values}, or, when {@code
   * values} is null, writes the update over the gradient.
   *
   * @param gradient the flat gradient, float32 in native order
   * @param values the flat parameters like the gradient, or null
   * @param start the first value's index in the flat buffers
   * @param n how many values, at most the moments' length less {@code momentOffset}
   * @param momentOffset where the values' moments start in {@code m} and {@code v}
   * @param flushSecond whether second moments are flushed too ({@link
   *     SubnormalMoments#flushesSecondMoment})
   */
  static void update(ByteBuffer gradient, ByteBuffer values, int start, int n, float[] m, float[] v,
      int momentOffset, float beta1, float beta2, float epsilon, float stepSize, boolean flushSecond) {
    float oneMinusBeta1 = 1 - beta1;
    float oneMinusBeta2 = 1 - beta2;
    ByteBuffer out = values == null ? gradient : values;
    int i = 0;
    for (int end = SPECIES.loopBound(n); i < end; i += SPECIES.length()) {
      int offset = (start + i) * Float.BYTES;
      FloatVector g = FloatVector.fromByteBuffer(SPECIES, gradient, offset, ORDER);
      FloatVector mi = FloatVector.fromArray(SPECIES, m, momentOffset + i).mul(beta1).add(g.mul(oneMinusBeta1));
      FloatVector vi = FloatVector.fromArray(SPECIES, v, momentOffset + i).mul(beta2).add(g.mul(g).mul(oneMinusBeta2));
      // SubnormalMoments.flush, lane by lane: a select, where the plain loop's comparison
      // keeps the JIT from vectorising it.
      mi = mi.blend(0f, mi.abs().lt(Float.MIN_NORMAL));
      if (flushSecond) {
        vi = vi.blend(0f, vi.lt(Float.MIN_NORMAL));
      }
      mi.intoArray(m, momentOffset + i);
      vi.intoArray(v, momentOffset + i);
      FloatVector update = mi.mul(stepSize).div(vi.sqrt().add(epsilon));
      FloatVector result = values == null ? update
          : FloatVector.fromByteBuffer(SPECIES, values, offset, ORDER).sub(update);
      result.intoByteBuffer(out, offset, ORDER);
    }
    for (; i < n; i++) {
      int offset = (start + i) * Float.BYTES;
      float g = gradient.getFloat(offset);
      int moment = momentOffset + i;
      float mi = SubnormalMoments.flush(beta1 * m[moment] + g * oneMinusBeta1);
      float vi = beta2 * v[moment] + g * g * oneMinusBeta2;
      vi = flushSecond ? SubnormalMoments.flush(vi) : vi;
      m[moment] = mi;
      v[moment] = vi;
      float update = mi * stepSize / ((float) Math.sqrt(vi) + epsilon);
      out.putFloat(offset, values == null ? update : values.getFloat(offset) - update);
    }
  }

  /**
   * Runs the loop once on a few values, so that a JVM without the module, or with a later version
   * of its API, fails here (with a {@link LinkageError}) rather than inside a training step.
   */
  static void probe() {
    int n = 2 * SPECIES.length() + 1;
    // Direct, as ND4J's memory is: the loop's profile then sees one kind of buffer.
    ByteBuffer gradient = ByteBuffer.allocateDirect(n * Float.BYTES).order(ORDER);
    ByteBuffer values = ByteBuffer.allocateDirect(n * Float.BYTES).order(ORDER);
    update(gradient, values, 0, n, new float[n], new float[n], 0, 0.9f, 0.999f, 1e-8f, 1e-3f, true);
    update(gradient, null, 0, n, new float[n], new float[n], 0, 0.9f, 0.999f, 1e-8f, 1e-3f, true);
  }
}
