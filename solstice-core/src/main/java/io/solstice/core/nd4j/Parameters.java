package io.solstice.core.nd4j;

import io.solstice.core.NamedArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The trainable parameters of a hand-written model: named arrays that are views into one flat
 * buffer, each with a same-shaped gradient view into a second flat buffer.
 *
 * <p>One flat buffer is what lets an {@link Optimizer} update every parameter with a single
 * ND4J updater call, clip the global gradient norm in one reduction, and save or average the
 * whole model as a handful of arrays. Models write their gradients into {@link #gradient}
 * (for example with {@code Nd4j.gemm(..., gradient("W"), ...)}) and read their weights from
 * {@link #get}; neither allocates.
 *
 * <pre>{@code
 * Parameters params = Parameters.builder()
 *     .seed(42)
 *     .weight("layer0/W", Initializer.heNormal(), 64, 128)
 *     .bias("layer0/b", Initializer.zeros(), 1, 128)
 *     .build();
 * }</pre>
 *
 * <p>Thread safety: not thread-safe; the values and gradients are updated in place by one
 * training thread. Builds are independent: each draws from its own generator, so builders may
 * run on any number of threads at once.
 */
public final class Parameters {

  private final DataType dataType;
  private final INDArray values;
  private final INDArray gradients;
  private final Map<String, Slot> slots;

  private Parameters(DataType dataType, List<Spec> specs) {
    this.dataType = dataType;
    long total = specs.stream().mapToLong(Spec::length).sum();
    // Parameters outlive any workspace a caller may have open: allocate them outside.
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      this.values = Nd4j.create(dataType, total);
      this.gradients = Nd4j.create(dataType, total);
    }
    LinkedHashMap<String, Slot> bySlot = new LinkedHashMap<>();
    long offset = 0;
    for (Spec spec : specs) {
      bySlot.put(
          spec.name,
          new Slot(
              spec, offset, slice(values, offset, spec.shape), slice(gradients, offset, spec.shape)));
      offset += spec.length();
    }
    this.slots = Collections.unmodifiableMap(bySlot);
  }

  /** A C-order view of {@code length(shape)} elements of a flat buffer, starting at offset. */
  static INDArray slice(INDArray flat, long offset, long[] shape) {
    long length = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    return flat.get(NDArrayIndex.interval(offset, offset + length)).reshape('c', shape);
  }

  /**
   * A new builder (FLOAT parameters, seed 0).
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The parameter of that name: a live view, updated in place by the optimizer.
   *
   * @param name the parameter's name
   * @return its values
   * @throws IllegalArgumentException naming the known parameters when it does not exist
   */
  public INDArray get(String name) {
    return slot(name).value;
  }

  /**
   * The gradient of that parameter: a live view the model writes into before
   * {@link Optimizer#step()}.
   *
   * @param name the parameter's name
   * @return its gradient buffer
   */
  public INDArray gradient(String name) {
    return slot(name).gradient;
  }

  /**
   * All parameters as one flat vector (the views of {@link #get} point into it).
   *
   * @return the flat values, shape [length]
   */
  public INDArray values() {
    return values;
  }

  /**
   * All gradients as one flat vector, laid out as {@link #values()}.
   *
   * @return the flat gradients, shape [length]
   */
  public INDArray gradients() {
    return gradients;
  }

  /**
   * The parameter names in layout order.
   *
   * @return the names
   */
  public List<String> names() {
    return List.copyOf(slots.keySet());
  }

  /**
   * The total number of scalar parameters.
   *
   * @return the flat length
   */
  public long length() {
    return values.length();
  }

  /**
   * The data type of every parameter and gradient.
   *
   * @return the data type
   */
  public DataType dataType() {
    return dataType;
  }

  /**
   * Whether regularisation such as weight decay applies to that parameter: true for
   * parameters added with {@link Builder#weight}, false for {@link Builder#bias}.
   *
   * @param name the parameter's name
   * @return true for weights
   */
  public boolean isRegularized(String name) {
    return slot(name).spec.regularized;
  }

  /**
   * The shape of that parameter.
   *
   * @param name the parameter's name
   * @return a copy of its shape
   */
  public long[] shape(String name) {
    return slot(name).spec.shape.clone();
  }

  /**
   * The offset of a parameter in the flat buffers: where its values start in {@link #values()}
   * and {@link #gradients()}, for optimizers that slice their state and for a part of the
   * gradient made inside the update ({@link GradientTiles}).
   *
   * @param name the parameter's name
   * @return the index of its first value
   */
  public long offset(String name) {
    return slot(name).offset;
  }

  /**
   * The parameters by name, as live views (see {@link NamedArrays#copy()} for a snapshot).
   *
   * @return the named values
   */
  public NamedArrays asNamedArrays() {
    NamedArrays.Builder out = NamedArrays.builder();
    slots.forEach((name, slot) -> out.put(name, slot.value));
    return out.build();
  }

  /**
   * Copies values into the parameters (the inverse of {@link #asNamedArrays()}).
   *
   * @param state arrays with at least every parameter name, of matching shape and data type
   * @throws IllegalArgumentException naming the first missing or mismatched parameter
   */
  public void load(NamedArrays state) {
    slots.forEach(
        (name, slot) -> slot.value.assign(state.get(name, dataType, slot.spec.shape)));
  }

  /**
   * A new, independent set with the same names, shapes and current values (gradients zero).
   *
   * @return the copy
   */
  public Parameters copy() {
    Parameters copy =
        new Parameters(dataType, slots.values().stream().map(slot -> slot.spec).toList());
    copy.values.assign(values);
    return copy;
  }

  private Slot slot(String name) {
    Slot slot = slots.get(name);
    if (slot == null) {
      throw new IllegalArgumentException(
          "no parameter named '" + name + "'; parameters: " + slots.keySet());
    }
    return slot;
  }

  private record Spec(
      String name, long[] shape, Initializer initializer, boolean regularized) {
    long length() {
      return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    long fanIn() {
      return shape.length >= 2 ? shape[shape.length - 2] : length();
    }

    long fanOut() {
      return shape.length >= 2 ? shape[shape.length - 1] : length();
    }
  }

  private record Slot(Spec spec, long offset, INDArray value, INDArray gradient) {}

  /** Declares parameters in layout order, then allocates and initialises them. */
  public static final class Builder {
    private final List<Spec> specs = new ArrayList<>();
    private DataType dataType = DataType.FLOAT;
    private long seed;

    private Builder() {}

    /**
     * The data type of the parameters and gradients (FLOAT by default; DOUBLE for gradient
     * checks).
     *
     * @param dataType a floating-point type
     * @return this builder
     */
    public Builder dataType(DataType dataType) {
      if (!Objects.requireNonNull(dataType, "dataType").isFPType()) {
        throw new IllegalArgumentException("parameters need a floating-point type, not " + dataType);
      }
      this.dataType = dataType;
      return this;
    }

    /**
     * The seed of the generator the initialisers draw from, in declaration order.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Declares a weight: a parameter that regularisation (weight decay, L2) applies to.
     *
     * @param name a unique name, for example {@code layer0/W}
     * @param initializer how to fill it
     * @param shape its shape, [in, out] for a dense layer
     * @return this builder
     */
    public Builder weight(String name, Initializer initializer, long... shape) {
      return add(name, initializer, shape, true);
    }

    /**
     * Declares a bias (or any parameter that regularisation leaves alone).
     *
     * @param name a unique name, for example {@code layer0/b}
     * @param initializer how to fill it
     * @param shape its shape, [1, out] for a dense layer
     * @return this builder
     */
    public Builder bias(String name, Initializer initializer, long... shape) {
      return add(name, initializer, shape, false);
    }

    private Builder add(String name, Initializer initializer, long[] shape, boolean regularized) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("parameter names must be non-empty");
      }
      if (specs.stream().anyMatch(spec -> spec.name.equals(name))) {
        throw new IllegalArgumentException("duplicate parameter name '" + name + "'");
      }
      if (shape.length == 0 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
        throw new IllegalArgumentException(
            "parameter '" + name + "' needs a non-empty shape of positive sizes, was "
                + Arrays.toString(shape));
      }
      specs.add(
          new Spec(name, shape.clone(), Objects.requireNonNull(initializer, "initializer"),
              regularized));
      return this;
    }

    /**
     * Allocates the flat buffers and initialises every parameter, in declaration order, from a
     * new {@link SplittableRandom} seeded with {@link #seed}: the generator belongs to this
     * build alone, so the same seed gives the same bits on any thread, however many builds run
     * at once.
     *
     * @return the parameters
     */
    public Parameters build() {
      if (specs.isEmpty()) {
        throw new IllegalStateException("declare at least one parameter before build()");
      }
      Parameters parameters = new Parameters(dataType, specs);
      SplittableRandom random = new SplittableRandom(seed);
      // The initialisers' scratch arrays are closed at once: keep them out of any workspace.
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        for (Spec spec : specs) {
          spec.initializer.initialize(
              parameters.get(spec.name), spec.fanIn(), spec.fanOut(), random);
        }
      }
      return parameters;
    }
  }
}
