package io.solstice.cuda.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where each parameter of an MLP lives in the flat parameter buffer, with the names and shapes
 * of {@code io.solstice.core.models.MlpClassifier}'s state: {@code layer0/W} [inputs, hidden0],
 * {@code layer0/b} [1, hidden0], {@code layer1/W}, ... in that order, back to back. The device
 * keeps its parameters, gradients and optimizer moments in this layout, which is what lets a
 * checkpoint move between the CPU model and the device model unchanged.
 */
public final class MlpLayout {

  /** The updater's scope in state names, as {@code io.solstice.core.nd4j.Optimizer} writes it. */
  public static final String UPDATER = "updater";
  /** Adam's moment names, as ND4J's Adam updater (and the host Adam) call them. */
  public static final List<String> ADAM_MOMENTS = List.of("M", "V");
  /** The scalar counters, in state order. */
  public static final String ITERATION = "updater/iteration";
  public static final String EPOCH = "updater/epoch";
  public static final String RNG_SEED = "rng/seed";
  public static final String RNG_COUNTER = "rng/counter";

  private final int[] sizes;
  private final List<Slot> slots;
  private final long length;

  /**
   * The layout of an MLP with these layer sizes.
   *
   * @param sizes inputs, hidden sizes..., classes: at least two sizes, each at least 1
   */
  public MlpLayout(int... sizes) {
    if (sizes.length < 2 || Arrays.stream(sizes).anyMatch(s -> s < 1)) {
      throw new IllegalArgumentException(
          "an MLP needs at least inputs and classes, all at least 1: " + Arrays.toString(sizes));
    }
    this.sizes = sizes.clone();
    List<Slot> all = new ArrayList<>();
    long offset = 0;
    for (int l = 0; l < sizes.length - 1; l++) {
      Slot weight = new Slot(weightName(l), new long[] {sizes[l], sizes[l + 1]}, offset, true);
      offset += weight.length();
      Slot bias = new Slot(biasName(l), new long[] {1, sizes[l + 1]}, offset, false);
      offset += bias.length();
      all.add(weight);
      all.add(bias);
    }
    this.slots = List.copyOf(all);
    this.length = offset;
  }

  /** The name of layer l's weight matrix. */
  public static String weightName(int layer) {
    return "layer" + layer + "/W";
  }

  /** The name of layer l's bias row. */
  public static String biasName(int layer) {
    return "layer" + layer + "/b";
  }

  /** The name of one optimizer moment of one parameter, as {@code Optimizer.state()} has it. */
  public static String momentName(String parameter, String moment) {
    return UPDATER + "/" + parameter + "/" + moment;
  }

  /** Layer sizes from inputs to classes (a copy). */
  public int[] sizes() {
    return sizes.clone();
  }

  /** The number of dense layers. */
  public int layers() {
    return sizes.length - 1;
  }

  /** The total number of parameters. */
  public long length() {
    return length;
  }

  /** Every parameter, in layout order. */
  public List<Slot> slots() {
    return slots;
  }

  /** Layer l's weight slot. */
  public Slot weight(int layer) {
    return slots.get(2 * layer);
  }

  /** Layer l's bias slot. */
  public Slot bias(int layer) {
    return slots.get(2 * layer + 1);
  }

  /**
   * The floating-point operations of one training step per example: the three matrix products
   * of each layer (forward, weight gradient, input gradient; the first layer needs no input
   * gradient) and the bias-gradient product.
   */
  public long trainFlopsPerExample() {
    long flops = 0;
    for (int l = 0; l < layers(); l++) {
      long product = 2L * sizes[l] * sizes[l + 1];
      flops += product * (l == 0 ? 2 : 3) + 2L * sizes[l + 1];
    }
    return flops;
  }

  /**
   * One parameter: its name, shape, offset in the flat buffer and whether regularisation
   * (weight decay) applies to it.
   */
  public record Slot(String name, long[] shape, long offset, boolean weight) {
    /** The number of values. */
    public long length() {
      return shape[0] * shape[1];
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }
}
