package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam's update computed in Java on the CPU backend: the same arithmetic as ND4J's
 * {@code adam_updater} op (first and second moments, bias correction folded into the step
 * size), in the same precision, equal to it up to rounding.
 *
 * <p>Why: ND4J's op, a plain scalar loop, was about half of a 784-256-10 MLP training step on
 * the 2-core benchmark machine. This loop copies the gradient and both moments through small
 * heap arrays in chunks, a loop shape the JIT can compile to vector instructions. A whole
 * update of the MLP's 203,530 parameters, subtraction included, took 310 us against 784 us
 * with ND4J's updater ({@code benchmarks/bench jmh AdamJmh}).
 *
 * <p>The moments live in two arrays of their own, named {@code M} and {@code V} like ND4J's
 * state, so checkpoints move freely between this and ND4J's updater (which the GPU backend and
 * any array that is not a plain host buffer use).
 */
final class HostAdam {

  /** Values per chunk: small enough that the four chunk arrays stay in cache. */
  private static final int CHUNK = 2048;

  private final Adam config;
  private final INDArray m;
  private final INDArray v;
  private final ByteBuffer gradientBytes;
  private final ByteBuffer mBytes;
  private final ByteBuffer vBytes;
  private final float[][] floatScratch;
  private final double[][] doubleScratch;

  private HostAdam(Adam config, ByteBuffer gradientBytes, DataType type, long length) {
    this.config = config;
    this.gradientBytes = gradientBytes;
    this.m = Nd4j.create(type, length);
    this.v = Nd4j.create(type, length);
    this.mBytes = HostBytes.of(m);
    this.vBytes = HostBytes.of(v);
    this.floatScratch = type == DataType.FLOAT ? new float[4][CHUNK] : null;
    this.doubleScratch = type == DataType.DOUBLE ? new double[4][CHUNK] : null;
  }

  /**
   * The host implementation for this configuration, bound to these gradients, or null when ND4J's
   * updater must be used (another updater, the GPU backend, a data type other than float32 or
   * float64, or gradients that are not one plain host buffer).
   *
   * @param updater the updater configuration
   * @param gradients the flat gradient array that every {@link #apply} updates
   * @return the implementation, or null
   */
  static HostAdam forUpdater(Object updater, INDArray gradients) {
    if (updater == null || updater.getClass() != Adam.class) {
      return null;
    }
    ByteBuffer bytes = HostBytes.of(gradients);
    return bytes == null ? null
        : new HostAdam((Adam) updater, bytes, gradients.dataType(), gradients.length());
  }

  /** The state by variable name: flat [length] moments. */
  Map<String, INDArray> flatState() {
    Map<String, INDArray> state = new LinkedHashMap<>();
    state.put(AdamUpdater.M_STATE, m);
    state.put(AdamUpdater.V_STATE, v);
    return state;
  }

  /**
   * Turns the gradient (the array given to {@link #forUpdater}) into the update, in place, and
   * advances the moments.
   *
   * @param iteration the iteration, from 0 (bias correction uses iteration + 1)
   * @param epoch the epoch, for the learning-rate schedule
   */
  void apply(int iteration, int epoch) {
    apply(iteration, epoch, null);
  }

  /**
   * {@link #apply(int, int)}, and subtracts each update from {@code values} in the same pass
   * (the parameters, as {@link HostBytes#of} gives them): one pass over the memory instead of a
   * second one by ND4J, bit for bit the same values.
   *
   * @param iteration the iteration, from 0
   * @param epoch the epoch
   * @param values the parameters to update, as long as the gradient, or null to leave them
   */
  void apply(int iteration, int epoch, ByteBuffer values) {
    double beta1 = config.getBeta1();
    double beta2 = config.getBeta2();
    double epsilon = config.getEpsilon();
    double stepSize = config.getLearningRate(iteration, epoch)
        * Math.sqrt(1 - Math.pow(beta2, iteration + 1.0)) / (1 - Math.pow(beta1, iteration + 1.0));
    if (floatScratch != null) {
      applyFloat(gradientBytes.asFloatBuffer(), values == null ? null : values.asFloatBuffer(),
          (float) beta1, (float) beta2, (float) epsilon, (float) stepSize);
    } else {
      applyDouble(gradientBytes.asDoubleBuffer(), values == null ? null : values.asDoubleBuffer(),
          beta1, beta2, epsilon, stepSize);
    }
  }

  private void applyFloat(FloatBuffer g, FloatBuffer p, float beta1, float beta2, float epsilon, float stepSize) {
    FloatBuffer mb = mBytes.asFloatBuffer();
    FloatBuffer vb = vBytes.asFloatBuffer();
    float[] gc = floatScratch[0];
    float[] mc = floatScratch[1];
    float[] vc = floatScratch[2];
    float[] pc = floatScratch[3];
    float oneMinusBeta1 = 1 - beta1;
    float oneMinusBeta2 = 1 - beta2;
    int length = g.limit();
    for (int start = 0; start < length; start += CHUNK) {
      int n = Math.min(CHUNK, length - start);
      g.get(start, gc, 0, n);
      mb.get(start, mc, 0, n);
      vb.get(start, vc, 0, n);
      for (int i = 0; i < n; i++) {
        float gi = gc[i];
        float mi = beta1 * mc[i] + gi * oneMinusBeta1;
        float vi = beta2 * vc[i] + gi * gi * oneMinusBeta2;
        mc[i] = mi;
        vc[i] = vi;
        gc[i] = mi * stepSize / ((float) Math.sqrt(vi) + epsilon);
      }
      g.put(start, gc, 0, n);
      mb.put(start, mc, 0, n);
      vb.put(start, vc, 0, n);
      if (p != null) {
        p.get(start, pc, 0, n);
        for (int i = 0; i < n; i++) {
          pc[i] -= gc[i];
        }
        p.put(start, pc, 0, n);
      }
    }
  }

  // The float32 loop again for float64: Java has no generics over primitive arrays, and one
  // loop over doubles would widen every float32 value and change its rounding.
  private void applyDouble(DoubleBuffer g, DoubleBuffer p, double beta1, double beta2, double epsilon, double stepSize) {
    DoubleBuffer mb = mBytes.asDoubleBuffer();
    DoubleBuffer vb = vBytes.asDoubleBuffer();
    double[] gc = doubleScratch[0];
    double[] mc = doubleScratch[1];
    double[] vc = doubleScratch[2];
    double[] pc = doubleScratch[3];
    int length = g.limit();
    for (int start = 0; start < length; start += CHUNK) {
      int n = Math.min(CHUNK, length - start);
      g.get(start, gc, 0, n);
      mb.get(start, mc, 0, n);
      vb.get(start, vc, 0, n);
      for (int i = 0; i < n; i++) {
        double gi = gc[i];
        double mi = beta1 * mc[i] + gi * (1 - beta1);
        double vi = beta2 * vc[i] + gi * gi * (1 - beta2);
        mc[i] = mi;
        vc[i] = vi;
        gc[i] = mi * stepSize / (Math.sqrt(vi) + epsilon);
      }
      g.put(start, gc, 0, n);
      mb.put(start, mc, 0, n);
      vb.put(start, vc, 0, n);
      if (p != null) {
        p.get(start, pc, 0, n);
        for (int i = 0; i < n; i++) {
          pc[i] -= gc[i];
        }
        p.put(start, pc, 0, n);
      }
    }
  }
}
