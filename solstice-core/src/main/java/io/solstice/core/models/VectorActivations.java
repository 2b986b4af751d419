package io.solstice.core.models;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostActivations}' ReLU and ReLU derivative in float32 on Java's Vector API, in place on
 * the arrays' memory: the plain loops copy the values into heap arrays and back, because Java 17's
 * JIT vectorises only loops over heap arrays. Each value's result is the plain loop's, bit for bit
 * ({@code HostActivationsTest} runs both): comparisons give {@code +0} where the plain loops'
 * masks clear every bit, and leave the value's own bits (a NaN's, {@code -0}'s) everywhere else.
 *
 * <p>Measured on a 32 x 300 float32 array (a scratch loop on the 2-core benchmark machine, 20,000
 * calls a round): the ReLU 3.3 us against 4.6-4.7 us for the plain loop, its derivative 4.5-4.7
 * us against 8.7-8.8. The bias stays on the plain loop, which took 2.6-3.4 us against 5.1-5.2 us
 * for a vector loop reading the array through the {@code ByteBuffer}: Java 17's vector reads and
 * writes of a buffer cost more per vector than a bulk copy and the JIT's own vector loop over a
 * heap array.
 *
 * <p>Java 17 and 18 only, with the module added ({@link io.solstice.core.nd4j.VectorApi}): {@link
 * HostActivations} calls {@link #probe()} once and keeps its plain loops where this class cannot
 * run.
 */
final class VectorActivations {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  private VectorActivations() {}

  /** {@code v < 0 ? 0 : v} on the first {@code length} values, in place. */
  static void relu(ByteBuffer out, int length) {
    int i = 0;
    for (int end = SPECIES.loopBound(length); i < end; i += SPECIES.length()) {
      int offset = i * Float.BYTES;
      FloatVector v = FloatVector.fromByteBuffer(SPECIES, out, offset, ORDER);
      v.blend(0f, v.compare(VectorOperators.LT, 0f)).intoByteBuffer(out, offset, ORDER);
    }
    for (; i < length; i++) {
      int offset = i * Float.BYTES;
      float v = out.getFloat(offset);
      out.putFloat(offset, v < 0 ? 0f : v);
    }
  }

  /** {@code delta = activation > 0 ? delta : 0} on the first {@code length} values, in place. */
  static void reluBackward(ByteBuffer activation, ByteBuffer delta, int length) {
    FloatVector zero = FloatVector.zero(SPECIES);
    int i = 0;
    for (int end = SPECIES.loopBound(length); i < end; i += SPECIES.length()) {
      int offset = i * Float.BYTES;
      VectorMask<Float> live =
          FloatVector.fromByteBuffer(SPECIES, activation, offset, ORDER).compare(VectorOperators.GT, 0f);
      zero.blend(FloatVector.fromByteBuffer(SPECIES, delta, offset, ORDER), live)
          .intoByteBuffer(delta, offset, ORDER);
    }
    for (; i < length; i++) {
      int offset = i * Float.BYTES;
      if (!(activation.getFloat(offset) > 0)) {
        delta.putFloat(offset, 0f);
      }
    }
  }

  /**
   * Runs each loop once on a few values, so that a JVM without the module, or with a later version
   * of its API, fails here (with a {@link LinkageError}) rather than inside a training step.
   */
  static void probe() {
    int n = 2 * SPECIES.length() + 1;
    // Direct, as ND4J's memory is: the loops' profiles then see one kind of buffer.
    ByteBuffer out = ByteBuffer.allocateDirect(n * Float.BYTES).order(ORDER);
    ByteBuffer activation = ByteBuffer.allocateDirect(n * Float.BYTES).order(ORDER);
    relu(out, n);
    reluBackward(activation, out, n);
  }
}
