package io.solstice.online.linear;

import io.solstice.online.streams.DriftingStreams;
import java.util.Objects;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * How an online linear model learns: its updater, whether it updates after every row or once per
 * batch, its L2 penalty and the columns it reads. Start from {@link #defaults()} and change what
 * differs.
 *
 * @param updater {@code Sgd}, {@code AdaGrad} or {@code Adam} from ND4J (with or without a
 *     learning-rate schedule); the schedule's iteration is the update count
 * @param perRow true to update after every row (test-then-train per row: each row is predicted
 *     by the model that has learned every earlier row), false for one update per batch with the
 *     batch's mean gradient (each row is predicted by the model of the previous batch)
 * @param l2 the L2 penalty on the weights (not the biases), added to the gradient as {@code l2 w}
 * @param featureColumn a {@code FixedSizeList<Float32>} column
 * @param labelColumn an Int32 class column (classification) or a numeric target (regression)
 */
public record LinearOptions(
    IUpdater updater, boolean perRow, double l2, String featureColumn, String labelColumn) {

  /** Validates the options. */
  public LinearOptions {
    Objects.requireNonNull(updater, "updater");
    Objects.requireNonNull(featureColumn, "featureColumn");
    Objects.requireNonNull(labelColumn, "labelColumn");
    if (!(l2 >= 0)) {
      throw new IllegalArgumentException("l2 must be >= 0, was " + l2);
    }
  }

  /**
   * SGD with learning rate 0.01, updated per row, no penalty, reading the drifting streams'
   * columns ({@code features}, {@code label}).
   *
   * @return the defaults
   */
  public static LinearOptions defaults() {
    return new LinearOptions(new Sgd(0.01), true, 0, DriftingStreams.FEATURES, DriftingStreams.LABEL);
  }

  /**
   * These options with another updater.
   *
   * @param newUpdater the updater
   * @return the options
   */
  public LinearOptions withUpdater(IUpdater newUpdater) {
    return new LinearOptions(newUpdater, perRow, l2, featureColumn, labelColumn);
  }

  /**
   * These options with per-row or per-batch updates.
   *
   * @param newPerRow true for per row
   * @return the options
   */
  public LinearOptions withPerRow(boolean newPerRow) {
    return new LinearOptions(updater, newPerRow, l2, featureColumn, labelColumn);
  }

  /**
   * These options with another L2 penalty.
   *
   * @param newL2 the penalty
   * @return the options
   */
  public LinearOptions withL2(double newL2) {
    return new LinearOptions(updater, perRow, newL2, featureColumn, labelColumn);
  }

  /**
   * These options reading other columns.
   *
   * @param features the feature column
   * @param label the label column
   * @return the options
   */
  public LinearOptions withColumns(String features, String label) {
    return new LinearOptions(updater, perRow, l2, features, label);
  }
}
