package io.solstice.cuda.internal;

import io.solstice.core.NamedArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Converts a device experiment's {@link FlatState} to and from {@link NamedArrays}, with the
 * names, shapes, data types and order of {@code MlpClassifier.state()}: the parameters, then
 * {@code updater/<parameter>/M} and {@code /V} per parameter (Adam only), then
 * {@code updater/iteration}, {@code updater/epoch}, {@code rng/seed} and {@code rng/counter}.
 *
 * <p>The only class of the CUDA path that touches ND4J (NamedArrays holds ND4J arrays): the
 * device path itself runs without an ND4J backend, and these conversions need one.
 */
public final class StateArrays {

  private StateArrays() {}

  /**
   * The state as named arrays (new arrays, owned by the caller).
   *
   * @param layout the parameter layout
   * @param state the flat state
   * @return the named arrays
   */
  public static NamedArrays toNamedArrays(MlpLayout layout, FlatState state) {
    NamedArrays.Builder out = NamedArrays.builder();
    for (MlpLayout.Slot slot : layout.slots()) {
      out.put(slot.name(), slice(state.values(), slot));
    }
    if (state.hasMoments()) {
      for (MlpLayout.Slot slot : layout.slots()) {
        out.put(MlpLayout.momentName(slot.name(), "M"), slice(state.firstMoment(), slot));
        out.put(MlpLayout.momentName(slot.name(), "V"), slice(state.secondMoment(), slot));
      }
    }
    return out
        .scalar(MlpLayout.ITERATION, state.iteration())
        .scalar(MlpLayout.EPOCH, state.epoch())
        .scalar(MlpLayout.RNG_SEED, state.seed())
        .scalar(MlpLayout.RNG_COUNTER, state.counter())
        .build();
  }

  /**
   * Reads a state with those names (from either model) into the flat layout.
   *
   * @param layout the parameter layout
   * @param state the named arrays
   * @param moments whether to read Adam's moments
   * @return the flat state
   * @throws IllegalArgumentException naming the first missing or mismatched array
   */
  public static FlatState fromNamedArrays(MlpLayout layout, NamedArrays state, boolean moments) {
    int length = Math.toIntExact(layout.length());
    float[] values = new float[length];
    float[] m = moments ? new float[length] : null;
    float[] v = moments ? new float[length] : null;
    for (MlpLayout.Slot slot : layout.slots()) {
      copy(state, slot.name(), slot, values);
      if (moments) {
        copy(state, MlpLayout.momentName(slot.name(), "M"), slot, m);
        copy(state, MlpLayout.momentName(slot.name(), "V"), slot, v);
      }
    }
    return new FlatState(
        values, m, v, state.getLong(MlpLayout.ITERATION), state.getLong(MlpLayout.EPOCH),
        state.getLong(MlpLayout.RNG_SEED), state.getLong(MlpLayout.RNG_COUNTER));
  }

  private static INDArray slice(float[] flat, MlpLayout.Slot slot) {
    float[] part = new float[Math.toIntExact(slot.length())];
    System.arraycopy(flat, (int) slot.offset(), part, 0, part.length);
    return Nd4j.create(part, slot.shape(), 'c');
  }

  private static void copy(NamedArrays state, String name, MlpLayout.Slot slot, float[] into) {
    INDArray array = state.get(name, DataType.FLOAT, slot.shape());
    // A view (the CPU model's state is views into its flat buffers) has no private buffer.
    try (INDArray dense = array.dup('c')) {
      float[] part = dense.data().asFloat();
      System.arraycopy(part, 0, into, (int) slot.offset(), part.length);
    }
  }
}
