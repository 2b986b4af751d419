package io.solstice.core.models;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.nd4j.GradientClipping;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A classifier defined as a SameDiff graph, run as a Solstice experiment.
 *
 * <p>The graph declares a features placeholder, a labels placeholder, trainable variables
 * ({@code sd.var}, not {@code sd.zero} or {@code sd.constant}, which are never trained), a
 * scalar loss (the mean loss per example) and a predictions variable of scores [rows, classes]
 * (probabilities or logits). Each {@link #trainStep} computes the loss gradients with
 * {@code calculateGradientsAndOutputs} and applies them with an {@link Optimizer} on ND4J's
 * updaters, so the updater state is exposed by name, checkpointed and averaged like the
 * parameters.
 *
 * <p>A graph already set up for {@code sd.fit} needs little more: the placeholders, loss and
 * updater default to those of its {@link TrainingConfig}.
 *
 * <pre>{@code
 * SameDiffExperiment experiment = SameDiffExperiment.builder(sd)
 *     .features("input").labels("label")
 *     .loss("loss").predictions("probabilities")
 *     .updater(new Adam(1e-3))
 *     .build();
 * }</pre>
 *
 * <p>Labels arrive as class indices; when the labels placeholder has shape [-1, classes] they
 * are one-hot encoded to its data type, otherwise they are passed as indices.
 *
 * <p><b>In place.</b> The experiment owns its graph: steps update the graph's variables in
 * place and return this experiment, and {@link #withState} loads into the same graph and
 * returns it. Build one experiment per graph.
 *
 * <p>Thread safety: not thread-safe; the experiment drives its graph from one thread at a time.
 * Experiments over distinct graphs share no state and may train on different threads at once.
 */
public final class SameDiffExperiment
    implements Experiment<SameDiffExperiment, TensorBatch, ClassificationMetrics>,
        Checkpointable<SameDiffExperiment> {

  private final SameDiff graph;
  private final String features;
  private final String labels;
  private final String loss;
  private final String predictions;
  private final List<String> trainable;
  private final Parameters parameters;
  private final Optimizer optimizer;

  private SameDiffExperiment(Builder builder, List<String> trainable, Parameters parameters,
      Optimizer optimizer) {
    this.graph = builder.graph;
    this.features = builder.features;
    this.labels = builder.labels;
    this.loss = builder.loss;
    this.predictions = builder.predictions;
    this.trainable = trainable;
    this.parameters = parameters;
    this.optimizer = optimizer;
  }

  /**
   * A builder for an experiment over the given graph.
   *
   * @param graph the SameDiff graph; the experiment takes it over
   * @return the builder
   */
  public static Builder builder(SameDiff graph) {
    return new Builder(graph);
  }

  @Override
  public Step<SameDiffExperiment, ClassificationMetrics> trainStep(TensorBatch batch) {
    OutAndGrad result =
        graph.calculateGradientsAndOutputs(
            placeholders(batch), List.of(predictions, loss), trainable);
    Map<String, INDArray> gradients = result.getGradients();
    for (String name : trainable) {
      INDArray gradient = gradients.get(name);
      if (gradient == null) {
        throw new IllegalStateException(
            "variable '" + name + "' gets no gradient from loss '" + loss
                + "'; make it a constant or connect it to the loss");
      }
      parameters.gradient(name).assign(gradient);
    }
    ClassificationMetrics metrics = metrics(result.getOutputs(), batch);
    optimizer.step();
    copyParametersIntoGraph();
    return Step.of(this, metrics);
  }

  @Override
  public Step<SameDiffExperiment, ClassificationMetrics> evalStep(TensorBatch batch) {
    Map<String, INDArray> outputs = graph.output(placeholders(batch), predictions, loss);
    return Step.of(this, metrics(outputs, batch));
  }

  /**
   * Runs the graph forward to the predictions.
   *
   * @param featureArray [rows, ...] as the features placeholder expects
   * @return the predictions variable's value for these rows
   */
  public INDArray predict(INDArray featureArray) {
    return graph.output(Map.of(features, castTo(featureArray, features)), predictions)
        .get(predictions);
  }

  private ClassificationMetrics metrics(Map<String, INDArray> outputs, TensorBatch batch) {
    INDArray lossValue = outputs.get(loss);
    if (lossValue.length() != 1) {
      throw new IllegalStateException(
          "loss '" + loss + "' has shape " + Arrays.toString(lossValue.shape())
              + "; reduce it to a scalar mean loss");
    }
    return ClassificationMetrics.fromScores(
        outputs.get(predictions), batch.labels(), lossValue.getDouble(0));
  }

  private Map<String, INDArray> placeholders(TensorBatch batch) {
    Map<String, INDArray> values = new HashMap<>();
    values.put(features, castTo(batch.features(), features));
    values.put(labels, labelsFor(batch.labels()));
    return values;
  }

  private INDArray castTo(INDArray array, String placeholder) {
    DataType wanted = graph.getVariable(placeholder).dataType();
    return array.dataType() == wanted ? array : array.castTo(wanted);
  }

  /** One-hot when the labels placeholder is [-1, classes], else the indices as its type. */
  private INDArray labelsFor(INDArray classIndices) {
    SDVariable placeholder = graph.getVariable(labels);
    long[] shape = placeholder.getShape();
    if (shape != null && shape.length == 2 && shape[1] > 1) {
      int rows = (int) classIndices.length();
      INDArray oneHot = Nd4j.create(placeholder.dataType(), rows, shape[1]);
      for (int i = 0; i < rows; i++) {
        double label = classIndices.getDouble(i);
        if (label != Math.rint(label) || label < 0 || label >= shape[1]) {
          throw new IllegalArgumentException(
              "label at row " + i + " is " + label + "; expected a class index in [0, "
                  + shape[1] + ")");
        }
        oneHot.putScalar(i, (long) label, 1.0);
      }
      return oneHot;
    }
    return castTo(classIndices, labels);
  }

  private void copyParametersIntoGraph() {
    for (String name : trainable) {
      graph.getVariable(name).getArr().assign(parameters.get(name));
    }
  }

  /**
   * The graph, whose variables hold the current parameters.
   *
   * @return the graph
   */
  public SameDiff graph() {
    return graph;
  }

  /**
   * The optimizer (learning rate, iteration, epoch for epoch schedules).
   *
   * @return the optimizer
   */
  public Optimizer optimizer() {
    return optimizer;
  }

  /**
   * The trainable variables' names, in the graph's (alphabetical) variable order.
   *
   * @return the names
   */
  public List<String> trainableVariables() {
    return trainable;
  }

  /**
   * The trainable variables under their graph names, then the optimizer state
   * ({@code updater/<variable>/<state>}, {@code updater/iteration}, {@code updater/epoch}).
   * Live views; {@link NamedArrays#copy()} snapshots them.
   */
  @Override
  public NamedArrays state() {
    NamedArrays.Builder out = NamedArrays.builder();
    parameters.asNamedArrays().asMap().forEach(out::put);
    optimizer.state().asMap().forEach(out::put);
    return out.build();
  }

  /** Copies the state into this experiment's graph and optimizer and returns this experiment. */
  @Override
  public SameDiffExperiment withState(NamedArrays state) {
    parameters.load(state);
    optimizer.loadState(state);
    copyParametersIntoGraph();
    return this;
  }

  /** Names the graph's parts and configures the optimizer. */
  public static final class Builder {
    private final SameDiff graph;
    private String features;
    private String labels;
    private String loss;
    private String predictions;
    private final OptimizerSettings optimizer;

    private Builder(SameDiff graph) {
      this.graph = Objects.requireNonNull(graph, "graph");
      TrainingConfig config = graph.getTrainingConfig();
      optimizer = new OptimizerSettings(config == null ? null : config.getUpdater());
      if (config != null) {
        features = single(config.getDataSetFeatureMapping());
        labels = single(config.getDataSetLabelMapping());
      }
      List<String> losses = graph.getLossVariables();
      if (losses != null && losses.size() == 1) {
        loss = losses.get(0);
      }
    }

    private static String single(List<String> names) {
      return names != null && names.size() == 1 ? names.get(0) : null;
    }

    /**
     * The features placeholder.
     *
     * @param name its name in the graph
     * @return this builder
     */
    public Builder features(String name) {
      this.features = name;
      return this;
    }

    /**
     * The labels placeholder.
     *
     * @param name its name in the graph
     * @return this builder
     */
    public Builder labels(String name) {
      this.labels = name;
      return this;
    }

    /**
     * The scalar mean loss to minimise.
     *
     * @param name its name in the graph
     * @return this builder
     */
    public Builder loss(String name) {
      this.loss = name;
      return this;
    }

    /**
     * The scores [rows, classes] that metrics take the arg-max of.
     *
     * @param name its name in the graph
     * @return this builder
     */
    public Builder predictions(String name) {
      this.predictions = name;
      return this;
    }

    /**
     * The ND4J updater (defaults to the graph's {@link TrainingConfig} updater).
     *
     * @param updater for example {@code new Adam(1e-3)} (copied)
     * @return this builder
     */
    public Builder updater(IUpdater updater) {
      optimizer.updater(updater);
      return this;
    }

    /**
     * Gradient clipping before each update.
     *
     * @param clipping the clipping
     * @return this builder
     */
    public Builder clipping(GradientClipping clipping) {
      optimizer.clipping(clipping);
      return this;
    }

    /**
     * A learning-rate schedule.
     *
     * @param schedule the schedule
     * @return this builder
     */
    public Builder schedule(ISchedule schedule) {
      optimizer.schedule(schedule);
      return this;
    }

    /**
     * Decoupled weight decay on the weights: variables with at least two dimensions larger
     * than one.
     *
     * @param coefficient at least 0
     * @return this builder
     */
    public Builder weightDecay(double coefficient) {
      optimizer.weightDecay(coefficient);
      return this;
    }

    /**
     * Checks the names against the graph and builds the experiment.
     *
     * @return the experiment
     * @throws IllegalStateException naming what is missing or of the wrong kind
     */
    public SameDiffExperiment build() {
      require(features, "features", VariableType.PLACEHOLDER);
      require(labels, "labels", VariableType.PLACEHOLDER);
      require(loss, "loss", null);
      require(predictions, "predictions", null);
      if (optimizer.updater() == null) {
        throw new IllegalStateException(
            "no updater: call updater(new Adam(1e-3)) or give the graph a TrainingConfig");
      }
      graph.setLossVariables(loss);
      List<String> trainable = new ArrayList<>();
      Parameters.Builder params = Parameters.builder();
      DataType dataType = null;
      for (SDVariable variable : graph.variables()) {
        if (variable.getVariableType() != VariableType.VARIABLE) {
          continue;
        }
        INDArray value = variable.getArr();
        if (dataType != null && value.dataType() != dataType) {
          throw new IllegalStateException(
              "trainable variables must share one data type: '" + variable.name() + "' is "
                  + value.dataType() + ", others " + dataType);
        }
        dataType = value.dataType();
        trainable.add(variable.name());
        long[] shape = value.shape().length == 0 ? new long[] {1} : value.shape();
        boolean weight = Arrays.stream(shape).filter(d -> d > 1).count() >= 2;
        if (weight) {
          params.weight(variable.name(), (target, in, out, random) -> target.assign(value), shape);
        } else {
          params.bias(variable.name(), (target, in, out, random) -> target.assign(value), shape);
        }
      }
      if (trainable.isEmpty()) {
        throw new IllegalStateException(
            "the graph has no trainable variables; create them with sd.var(...) "
                + "(sd.zero and sd.constant make constants)");
      }
      Parameters parameters = params.dataType(dataType).build();
      return new SameDiffExperiment(
          this, List.copyOf(trainable), parameters, optimizer.build(parameters));
    }

    private void require(String name, String role, VariableType type) {
      if (name == null) {
        throw new IllegalStateException("name the " + role + " variable: call " + role + "(name)");
      }
      if (!graph.hasVariable(name)) {
        throw new IllegalStateException(
            "the graph has no variable '" + name + "' for the " + role + "; it has "
                + graph.variableMap().keySet());
      }
      if (type != null && graph.getVariable(name).getVariableType() != type) {
        throw new IllegalStateException(
            "the " + role + " variable '" + name + "' must be a " + type + ", is "
                + graph.getVariable(name).getVariableType());
      }
    }
  }
}
