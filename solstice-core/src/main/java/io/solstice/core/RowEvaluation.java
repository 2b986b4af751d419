package io.solstice.core;

import java.util.Objects;

/**
 * An experiment that can say, for each row of a batch, how wrong its prediction is: what per-row
 * prequential evaluation needs. With prequential evaluation on, the engine predicts every row of
 * a train batch before the batch trains; through this interface it gets, besides the batch's
 * outputs, the row-level error stream a drift detector watches (each row's error, in row order).
 *
 * <p>{@link #evaluateRows} is an evaluation: it leaves the experiment as it was (like {@link
 * Experiment#evalStep}, whose outputs it also returns, so one prediction serves both).
 *
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public interface RowEvaluation<B, O> {

  /**
   * Predicts every row of a batch with the experiment as it stands, without learning.
   *
   * @param batch the batch
   * @return the outputs {@link Experiment#evalStep} would give and each row's error: for a
   *     classifier 1 where the predicted class is wrong and 0 where it is right; for a regressor
   *     the row's loss
   */
  Rows<O> evaluateRows(B batch);

  /**
   * A batch evaluated row by row.
   *
   * @param outputs the batch's evaluation outputs
   * @param errors each row's error, in row order; the array belongs to the receiver
   * @param <O> the step-output type
   */
  record Rows<O>(O outputs, double[] errors) {

    /** Validates that neither part is null. */
    public Rows {
      Objects.requireNonNull(outputs, "outputs");
      Objects.requireNonNull(errors, "errors");
    }
  }
}
