package io.solstice.core.nd4j;

import io.solstice.core.NamedArrays;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Applies the gradients held in a {@link Parameters} to its values with one of ND4J's own
 * updaters ({@code Sgd}, {@code Nesterovs}, {@code Adam}, {@code AdaMax}, {@code Nadam},
 * {@code AMSGrad}, {@code RmsProp}, {@code AdaGrad}, {@code AdaDelta}, {@code AdaBelief}),
 * after optional gradient clipping and regularisation, with an optional learning-rate
 * schedule.
 *
 * <p>The updater works on the flat gradient of all parameters in one call, in place, and
 * keeps its state (Adam's moments, momentum...) in memory that it never reallocates.
 * That state is exposed by name through {@link #state()}, one array per parameter and updater
 * variable ({@code updater/layer0/W/M}), plus the {@code updater/iteration} and
 * {@code updater/epoch} counters, so checkpoints and parameter averaging include it, and
 * {@link #loadState} continues bit-identically.
 *
 * <p>{@code Adam} on the CPU backend (float32 or float64) is computed by a Java loop equal to
 * ND4J's {@code adam_updater} up to rounding and about 2.5 times faster; it keeps its moments on
 * the Java heap, and {@link #state()} copies them out under the same names, so checkpoints move
 * between the two.
 *
 * <p>AdamW: ND4J 1.0.0-M2.1 has no AdamW configuration; {@code new Adam(lr)} with
 * {@link Builder#weightDecay} is AdamW, Adam with decoupled weight decay (Loshchilov and
 * Hutter), applied to weights and not to biases.
 *
 * <pre>{@code
 * Optimizer optimizer = Optimizer.builder(new Adam(1e-3))
 *     .clipping(GradientClipping.byNorm(1.0))
 *     .schedule(new ExponentialSchedule(ScheduleType.ITERATION, 1e-3, 0.999))
 *     .build(parameters);
 * // write gradients into parameters.gradient(name), then
 * optimizer.step();
 * }</pre>
 *
 * <p>Not thread-safe: one training thread drives it.
 */
public final class Optimizer {

  private static final String PREFIX = "updater";

  private final Config config;
  private final Parameters parameters;
  /** ND4J's updater, or null when {@link #hostAdam} computes the update. */
  private final GradientUpdater<?> updater;
  private final HostAdam hostAdam;
  /** The parameters' memory when Java code may update it in place, else null. */
  private final ByteBuffer valuesBytes;
  /** Whether a regularization runs between the update and its subtraction (weight decay). */
  private final boolean hasPostUpdaterRegularization;
  /**
   * Per parameter and updater variable, a view into the updater's flat state, in a stable order:
   * ND4J's own state, or the arrays {@link #hostAdam} copies its moments to (then made when the
   * state is first asked for).
   */
  private Map<String, INDArray> namedState;
  private int iteration;
  private int epoch;

  private Optimizer(Config config, Parameters parameters) {
    this.config = config;
    this.parameters = parameters;
    // The state outlives any workspace a caller may have open: allocate it outside.
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      this.hostAdam = HostAdam.forUpdater(config.updater, parameters.gradients());
      this.valuesBytes = HostBytes.of(parameters.values());
      if (hostAdam != null) {
        this.updater = null;
      } else {
        long stateSize = config.updater.stateSize(parameters.length());
        INDArray stateView = stateSize == 0 ? null : Nd4j.create(parameters.dataType(), stateSize);
        this.updater = config.updater.instantiate(stateView, true);
        this.namedState = nameState(updater.getState(), parameters);
      }
    }
    this.hasPostUpdaterRegularization = config.regularizations.stream()
        .anyMatch(r -> r.applyStep() == Regularization.ApplyStep.POST_UPDATER);
  }

  /** Slices each updater variable (a flat [length] view) per parameter. */
  private static Map<String, INDArray> nameState(Map<String, INDArray> flatState, Parameters params) {
    // Sorted so the order of names does not depend on the updater's HashMap.
    TreeMap<String, INDArray> byVariable = new TreeMap<>(flatState == null ? Map.of() : flatState);
    LinkedHashMap<String, INDArray> named = new LinkedHashMap<>();
    for (String parameter : params.names()) {
      for (Map.Entry<String, INDArray> variable : byVariable.entrySet()) {
        INDArray flat = variable.getValue().reshape(variable.getValue().length());
        named.put(
            stateName(parameter, variable.getKey()),
            Parameters.slice(flat, params.offset(parameter), params.shape(parameter)));
      }
    }
    return named;
  }

  private static String stateName(String parameter, String variable) {
    return PREFIX + "/" + parameter + "/" + variable;
  }

  /**
   * A builder for an optimizer around one of ND4J's updater configurations.
   *
   * @param updater for example {@code new Adam(1e-3)}, {@code new Sgd(0.1)},
   *     {@code new Nesterovs(0.01, 0.9)}; copied, so later changes to it have no effect
   * @return the builder
   */
  public static Builder builder(IUpdater updater) {
    return new Builder(updater);
  }

  /**
   * Applies one update: clips {@link Parameters#gradients()}, applies regularisation, lets the
   * updater turn the gradient into an update, subtracts it from {@link Parameters#values()} and
   * advances the iteration. Afterwards the gradient buffer holds the update or, where Adam
   * updates the parameters in the same pass, still the gradient: write new gradients before the
   * next step.
   */
  public void step() {
    INDArray gradients = parameters.gradients();
    config.clipping.clip(gradients);
    double learningRate = learningRate();
    regularize(Regularization.ApplyStep.BEFORE_UPDATER, learningRate);
    if (hostAdam != null && valuesBytes != null && !hasPostUpdaterRegularization) {
      hostAdam.apply(iteration, epoch, valuesBytes); // the subtraction too, in the same pass
    } else {
      if (hostAdam != null) {
        hostAdam.apply(iteration, epoch);
      } else {
        updater.applyUpdater(gradients, iteration, epoch);
      }
      regularize(Regularization.ApplyStep.POST_UPDATER, learningRate);
      parameters.values().subi(gradients);
    }
    iteration++;
  }

  /**
   * Whether {@link #step(GradientTiles)} updates each tile as soon as it is made: Adam on the
   * host, subtracting in the same pass, with no clipping or regularization (each needs the whole
   * gradient, or the parameters as they were, before any value is updated). Where not, it makes
   * every tile first and then steps: a caller that can make the gradient more cheaply in one
   * piece asks here first.
   *
   * @return whether tiles are made inside the update
   */
  public boolean updatesTiles() {
    return hostAdam != null && valuesBytes != null && config.clipping == GradientClipping.none()
        && config.regularizations.isEmpty();
  }

  /**
   * {@link #step()} for a gradient of which a run of values is not made yet: the tiles are made
   * ({@link GradientTiles#make}) inside the update, each updated at once, while the rest of
   * {@link Parameters#gradients()} must hold its values already. The parameters and the
   * optimizer's state come out as after making every tile and calling {@link #step()}, bit for
   * bit.
   *
   * @param tiles the tiles, which lie within the flat gradient
   */
  public void step(GradientTiles tiles) {
    if (!updatesTiles()) {
      for (int t = 0; t < tiles.count(); t++) {
        tiles.make(t);
      }
      step();
      return;
    }
    hostAdam.apply(iteration, epoch, valuesBytes, tiles);
    iteration++;
  }

  private void regularize(Regularization.ApplyStep when, double learningRate) {
    for (Regularization regularization : config.regularizations) {
      if (regularization.applyStep() != when) {
        continue;
      }
      for (String name : parameters.names()) {
        if (parameters.isRegularized(name)) {
          regularization.apply(
              parameters.get(name), parameters.gradient(name), learningRate, iteration, epoch);
        }
      }
    }
  }

  /**
   * The learning rate the next {@link #step()} uses (from the schedule, if any).
   *
   * @return the learning rate, or NaN for updaters without one
   */
  public double learningRate() {
    return config.updater.hasLearningRate()
        ? config.updater.getLearningRate(iteration, epoch)
        : Double.NaN;
  }

  /**
   * The number of steps applied so far; the next step uses it as its iteration.
   *
   * @return the iteration count
   */
  public int iteration() {
    return iteration;
  }

  /**
   * The epoch that epoch-based schedules see.
   *
   * @return the epoch
   */
  public int epoch() {
    return epoch;
  }

  /**
   * Sets the epoch that epoch-based schedules ({@code ScheduleType.EPOCH}) see; the engine or
   * the model calls it at each epoch start.
   *
   * @param epoch the epoch, from 0
   */
  public void setEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
    }
    this.epoch = epoch;
  }

  /**
   * The parameters this optimizer updates.
   *
   * @return the parameters
   */
  public Parameters parameters() {
    return parameters;
  }

  /**
   * The updater's state by name: {@code updater/<parameter>/<variable>} for each parameter and
   * updater variable (empty for plain SGD), then {@code updater/iteration} and {@code
   * updater/epoch}: views of the updater's state, which later steps change ({@link
   * NamedArrays#copy()} snapshots them). The Java Adam keeps its moments on the heap and copies
   * them into arrays of its own at each call (as large as the moments, made at the first call),
   * so with it the views hold the moments as of the latest call.
   *
   * @return the state
   */
  public NamedArrays state() {
    if (hostAdam != null) {
      hostAdam.exportState();
    }
    NamedArrays.Builder out = NamedArrays.builder();
    namedState().forEach(out::put);
    return out
        .scalar(PREFIX + "/iteration", iteration)
        .scalar(PREFIX + "/epoch", epoch)
        .build();
  }

  /**
   * Copies a state previously returned by {@link #state()} of an optimizer with the same
   * updater and parameter layout into this one.
   *
   * @param state arrays with at least every name of {@link #state()}
   * @throws IllegalArgumentException naming the first missing or mismatched array
   */
  public void loadState(NamedArrays state) {
    if (hostAdam == null) {
      namedState.forEach(
          (name, view) -> view.assign(state.get(name, view.dataType(), view.shape())));
    } else {
      // Straight into the heap moments: a model rebuilt from a state may never export its own.
      for (String parameter : parameters.names()) {
        for (String variable : HostAdam.VARIABLES) {
          hostAdam.importMoment(variable, Math.toIntExact(parameters.offset(parameter)), state.get(
              stateName(parameter, variable), parameters.dataType(), parameters.shape(parameter)));
        }
      }
    }
    iteration = Math.toIntExact(state.getLong(PREFIX + "/iteration"));
    epoch = Math.toIntExact(state.getLong(PREFIX + "/epoch"));
  }

  private Map<String, INDArray> namedState() {
    if (namedState == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        namedState = nameState(hostAdam.stateArrays(), parameters);
      }
    }
    return namedState;
  }

  /**
   * An optimizer with this one's configuration and fresh state, for other parameters of the
   * same layout (or any layout).
   *
   * @param other the parameters to update
   * @return the new optimizer
   */
  public Optimizer forParameters(Parameters other) {
    return new Optimizer(config, Objects.requireNonNull(other, "other"));
  }

  /** The immutable configuration shared by {@link #forParameters} copies. */
  private record Config(
      IUpdater updater, GradientClipping clipping, List<Regularization> regularizations) {}

  /** Configures an {@link Optimizer}. */
  public static final class Builder {
    private final IUpdater updater;
    private GradientClipping clipping = GradientClipping.none();
    private final List<Regularization> regularizations = new ArrayList<>();

    private Builder(IUpdater updater) {
      this.updater = Objects.requireNonNull(updater, "updater").clone();
    }

    /**
     * How to clip gradients before the update (none by default).
     *
     * @param clipping for example {@link GradientClipping#byNorm(double)}
     * @return this builder
     */
    public Builder clipping(GradientClipping clipping) {
      this.clipping = Objects.requireNonNull(clipping, "clipping");
      return this;
    }

    /**
     * A learning-rate schedule replacing the updater's fixed rate, for example
     * {@code new StepSchedule(ScheduleType.ITERATION, 0.1, 0.5, 1000)} or a
     * {@code MapSchedule}/{@code CycleSchedule}.
     *
     * @param schedule the schedule, evaluated at (iteration, epoch) before each step
     * @return this builder
     * @throws IllegalArgumentException when the updater has no learning rate (NoOp, AdaDelta)
     */
    public Builder schedule(ISchedule schedule) {
      Objects.requireNonNull(schedule, "schedule");
      if (!updater.hasLearningRate()) {
        throw new IllegalArgumentException(
            updater.getClass().getSimpleName() + " has no learning rate to schedule");
      }
      updater.setLrAndSchedule(Double.NaN, schedule);
      return this;
    }

    /**
     * Decoupled weight decay on weights (not biases): after the updater, each weight also moves
     * by {@code -learningRate * coefficient * weight}. With {@code Adam} this is AdamW.
     *
     * @param coefficient the decay coefficient, for example 0.01
     * @return this builder
     * @throws IllegalArgumentException when the updater has no learning rate (NoOp, AdaDelta)
     */
    public Builder weightDecay(double coefficient) {
      return regularization(new WeightDecay(coefficient, true));
    }

    /**
     * Adds one of ND4J's regularisations ({@code L2Regularization}, {@code L1Regularization},
     * {@code WeightDecay}) applied to weights, before or after the updater as it declares.
     *
     * @param regularization the regularisation
     * @return this builder
     * @throws IllegalArgumentException for a weight decay scaled by the learning rate when the
     *     updater has none (NoOp, AdaDelta): it would make every weight NaN
     */
    public Builder regularization(Regularization regularization) {
      Objects.requireNonNull(regularization, "regularization");
      if (regularization instanceof WeightDecay decay && decay.isApplyLR() && !updater.hasLearningRate()) {
        throw new IllegalArgumentException("weight decay scales with the learning rate, and "
            + updater.getClass().getSimpleName() + " has none");
      }
      regularizations.add(regularization.clone());
      return this;
    }

    /**
     * Creates the optimizer, with fresh updater state, for the given parameters.
     *
     * @param parameters the parameters to update
     * @return the optimizer
     */
    public Optimizer build(Parameters parameters) {
      return new Optimizer(
          new Config(updater.clone(), clipping, List.copyOf(regularizations)),
          Objects.requireNonNull(parameters, "parameters"));
    }
  }
}
