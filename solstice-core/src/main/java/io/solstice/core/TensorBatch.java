package io.solstice.core;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch as the model sees it: a feature matrix and its labels. This is the batch type of the
 * built-in models; the Arrow module produces it from record batches without copying where the
 * layout allows.
 *
 * <p>A tensor batch may hold memory it must release (for example Arrow buffers its arrays
 * point into). The engine closes every batch after its step, exactly once; {@link #close()}
 * must not throw. Arrays obtained from a batch are valid only until it is closed.
 *
 * <p>Thread safety: not thread-safe; a batch belongs to one consumer at a time (the engine
 * hands it from the reader thread to the training thread, which steps and closes it), and its
 * arrays are mutable ND4J arrays.
 */
public interface TensorBatch extends AutoCloseable {

  /**
   * The features, shape [rows, width] (or rank > 2 for models that want it).
   *
   * @return the feature array
   */
  INDArray features();

  /**
   * The labels: class indices, shape [rows], for classification; target values, shape [rows]
   * or [rows, outputs], for regression.
   *
   * @return the label array
   */
  INDArray labels();

  /**
   * The number of rows.
   *
   * @return rows in this batch
   */
  default long rows() {
    return features().size(0);
  }

  /** Releases what the batch holds. Does nothing by default. */
  @Override
  default void close() {}

  /**
   * A batch over on-heap or off-heap arrays that holds nothing to release.
   *
   * @param features the features
   * @param labels the labels, with as many rows as the features
   * @return the batch
   */
  static TensorBatch of(INDArray features, INDArray labels) {
    return new SimpleTensorBatch(features, labels);
  }

  /** The plain implementation behind {@link TensorBatch#of}. */
  record SimpleTensorBatch(INDArray features, INDArray labels) implements TensorBatch {
    /** Checks that features and labels have the same number of rows. */
    public SimpleTensorBatch {
      Objects.requireNonNull(features, "features");
      Objects.requireNonNull(labels, "labels");
      if (features.size(0) != labels.size(0)) {
        throw new IllegalArgumentException(
            "features have " + features.size(0) + " rows but labels have " + labels.size(0));
      }
    }
  }
}
