package io.solstice.core.models;

import io.solstice.core.nd4j.GradientClipping;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * The settings every MLP model shares (inputs, hidden layers, optimizer, dropout, data type,
 * seed), with self-typed setters so that {@code MlpClassifier.builder().inputs(4).classes(3)}
 * and {@code MlpRegressor.builder().inputs(4).outputs(1)} chain without casts. Defaults: no
 * hidden layer, {@code Adam(1e-3)}, no clipping, no dropout, FLOAT, seed 0.
 *
 * @param <B> the concrete builder
 *
 * <p>Thread safety: not thread-safe; build on one thread.
 */
abstract class MlpBuilder<B extends MlpBuilder<B>> {
  private int inputs;
  private int[] hidden = new int[0];
  private final OptimizerSettings optimizer = new OptimizerSettings(new Adam(1e-3));
  private double dropout;
  private DataType dataType = DataType.FLOAT;
  private long seed;

  MlpBuilder() {}

  /** This builder as its concrete type. */
  abstract B self();

  /**
   * The number of input features.
   *
   * @param inputs at least 1
   * @return this builder
   */
  public B inputs(int inputs) {
    this.inputs = positive(inputs, "inputs");
    return self();
  }

  /**
   * The sizes of the hidden ReLU layers, in order (none: a linear model).
   *
   * @param sizes each at least 1
   * @return this builder
   */
  public B hidden(int... sizes) {
    for (int size : sizes) {
      positive(size, "hidden layer size");
    }
    this.hidden = sizes.clone();
    return self();
  }

  /**
   * The ND4J updater, for example {@code new Adam(1e-3)} or {@code new Nesterovs(0.1, 0.9)}.
   *
   * @param updater the updater configuration (copied)
   * @return this builder
   */
  public B updater(IUpdater updater) {
    optimizer.updater(updater);
    return self();
  }

  /**
   * Gradient clipping before each update.
   *
   * @param clipping for example {@link GradientClipping#byNorm(double)}
   * @return this builder
   */
  public B clipping(GradientClipping clipping) {
    optimizer.clipping(clipping);
    return self();
  }

  /**
   * A learning-rate schedule replacing the updater's fixed rate.
   *
   * @param schedule the schedule
   * @return this builder
   */
  public B schedule(ISchedule schedule) {
    optimizer.schedule(schedule);
    return self();
  }

  /**
   * Decoupled weight decay on the weights (AdamW with the Adam updater).
   *
   * @param coefficient at least 0
   * @return this builder
   */
  public B weightDecay(double coefficient) {
    optimizer.weightDecay(coefficient);
    return self();
  }

  /**
   * Inverted dropout on the hidden activations during training.
   *
   * @param rate the probability of dropping a unit, in [0, 1)
   * @return this builder
   */
  public B dropout(double rate) {
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), was " + rate);
    }
    this.dropout = rate;
    return self();
  }

  /**
   * The parameters' data type: FLOAT (default) or DOUBLE (for gradient checks).
   *
   * @param dataType a floating-point type
   * @return this builder
   */
  public B dataType(DataType dataType) {
    this.dataType = Objects.requireNonNull(dataType, "dataType");
    return self();
  }

  /**
   * The seed of the initial weights and of the dropout generator.
   *
   * @param seed the seed
   * @return this builder
   */
  public B seed(long seed) {
    this.seed = seed;
    return self();
  }

  /**
   * The network these settings describe, with {@code outputs} units in the last layer.
   *
   * @param outputs the size of the last layer (classes, or regression outputs)
   * @param outputsSetter the setter of the outputs, for the message when they were not set
   * @param example how to build the model, for that message
   */
  MlpNetwork network(int outputs, String outputsSetter, String example) {
    if (inputs == 0 || outputs == 0) {
      throw new IllegalStateException(
          "set inputs(...) and " + outputsSetter + "(...) before build(), for example " + example);
    }
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = inputs;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = outputs;
    return MlpNetwork.create(sizes, dropout, dataType, seed, optimizer);
  }

  static int positive(int value, String what) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be at least 1, was " + value);
    }
    return value;
  }
}
