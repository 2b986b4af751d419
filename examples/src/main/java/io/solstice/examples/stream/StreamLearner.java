package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.LabeledSchema;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.online.drift.DriftReaction;
import io.solstice.online.drift.Resettable;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.reactive.TrainingEvent;
import java.util.Locale;
import java.util.function.Function;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The model {@code solstice stream} trains, made {@link Resettable} so that a drift can reset it,
 * with how it reads a batch (in the {@link LabeledSchema} layout) and which values of a train
 * step a drift detector watches.
 *
 * @param model the model, wrapped
 * @param toBatch turns a conformed Arrow batch into the model's batch (owning it)
 * @param errors the values of a train step for the detector, in order
 * @param perRow whether those values are one per row (else one per step)
 * @param description the model in words
 * @param <E> the experiment type
 * @param <B> its batch type
 */
public record StreamLearner<E extends Experiment<E, B, ClassificationMetrics> & Checkpointable<E>, B>(
    Resettable<E, B, ClassificationMetrics> model,
    Function<ArrowBatch, B> toBatch,
    Function<TrainingEvent.StepEnded<Resettable<E, B, ClassificationMetrics>, ClassificationMetrics>, double[]> errors,
    boolean perRow,
    String description) {

  /** The MLP's hidden layer size. */
  public static final int HIDDEN = 32;
  /** The MLP's Adam learning rate. */
  public static final double LEARNING_RATE = 1e-2;
  /** The logistic regression's learning rate (AdaGrad). */
  public static final double LOGISTIC_LEARNING_RATE = 0.1;

  /** The models {@code --model} names. */
  public enum Kind {
    /** An MLP with one hidden layer, Adam, one update per batch. */
    MLP,
    /** solstice-online's logistic regression, AdaGrad, one update per row. */
    LOGISTIC
  }

  /**
   * How the logistic regression learns: AdaGrad at {@value #LOGISTIC_LEARNING_RATE}, per row,
   * reading the {@link LabeledSchema} columns.
   *
   * @return the options
   */
  public static LinearOptions logisticOptions() {
    return LinearOptions.defaults().withUpdater(new AdaGrad(LOGISTIC_LEARNING_RATE));
  }

  /**
   * A model of a kind.
   *
   * @param kind the kind
   * @param width features per row
   * @param classes the number of classes
   * @param seed the MLP's seed (the logistic regression starts at zero)
   * @return the learner
   */
  public static StreamLearner<?, ?> of(Kind kind, int width, int classes, long seed) {
    return kind == Kind.MLP ? mlp(width, classes, seed) : logistic(width, classes);
  }

  /**
   * An MLP ({@value #HIDDEN} hidden units, Adam {@value #LEARNING_RATE}, one update per batch); a
   * detector watches its per-row errors, predicted before each batch trains.
   *
   * @param width features per row
   * @param classes the number of classes
   * @param seed the seed of its initial weights
   * @return the learner
   */
  static StreamLearner<MlpClassifier, TensorBatch> mlp(int width, int classes, long seed) {
    FeatureSpec spec = FeatureSpec.builder()
        .features(LabeledSchema.FEATURES).width(width)
        .label(LabeledSchema.LABEL).numClasses(classes)
        .build();
    MlpClassifier mlp = MlpClassifier.builder()
        .inputs(width).hidden(HIDDEN).classes(classes)
        .updater(new Adam(LEARNING_RATE)).seed(seed)
        .build();
    // The run's prequential evaluation predicts each row before the batch trains
    // (MlpClassifier is a RowEvaluation, and so is its Resettable wrapper).
    return new StreamLearner<>(Resettable.of(mlp), spec::toTensors, DriftReaction.rowErrors(), true,
        String.format(Locale.ROOT, "MLP (%d-%d-%d, Adam %s, one update per batch)", width, HIDDEN, classes,
            LEARNING_RATE));
  }

  /**
   * solstice-online's logistic regression (AdaGrad {@value #LOGISTIC_LEARNING_RATE}, one update
   * per row, test-then-train per row); a detector watches its per-row errors.
   *
   * @param width features per row
   * @param classes the number of classes
   * @return the learner
   */
  static StreamLearner<OnlineLogisticRegression, ArrowBatch> logistic(int width, int classes) {
    OnlineLogisticRegression model = new OnlineLogisticRegression(width, classes, logisticOptions());
    return new StreamLearner<>(Resettable.of(model), batch -> batch,
        step -> step.experiment().current().lastRowErrors(), true,
        String.format(Locale.ROOT, "logistic regression (%d features, %d classes, AdaGrad %s, one update per row)",
            width, classes, LOGISTIC_LEARNING_RATE));
  }
}
