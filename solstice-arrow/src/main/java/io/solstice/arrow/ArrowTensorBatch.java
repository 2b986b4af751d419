package io.solstice.arrow;

import io.solstice.core.TensorBatch;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TensorBatch} made from an {@link ArrowBatch} by a {@link FeatureSpec}. It owns the
 * Arrow batch: its arrays may point straight into the batch's buffers, so closing this closes
 * the arrays, releases the buffers they held, and closes the Arrow batch. Arrays taken from it
 * are invalid after {@link #close()}. Closing twice does nothing.
 *
 * <p>Thread safety: not thread-safe, except close(), which may be called from any thread and
 * takes effect once.
 */
public final class ArrowTensorBatch implements TensorBatch {
  private static final Logger LOG = LoggerFactory.getLogger(ArrowTensorBatch.class);

  private final INDArray features;
  private final INDArray labels;
  private final List<String> classNames;
  private final ArrowBatch source;
  private final List<Runnable> releases;
  private final AtomicBoolean closed = new AtomicBoolean();

  ArrowTensorBatch(INDArray features, INDArray labels, List<String> classNames, ArrowBatch source,
      List<Runnable> releases) {
    this.features = features;
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
    this.source = source;
    this.releases = List.copyOf(releases);
  }

  /** {@inheritDoc} */
  @Override
  public INDArray features() {
    return features;
  }

  /** {@inheritDoc} */
  @Override
  public INDArray labels() {
    return labels;
  }

  /**
   * The class names by class index, from the label column's dictionary or the spec's
   * {@link FeatureSpec.Builder#classNames(List)}; empty for integer or regression labels.
   *
   * @return the class names
   */
  public List<String> classNames() {
    return classNames;
  }

  /**
   * Where the underlying Arrow batch came from, for checkpoints.
   *
   * @return the position
   */
  public BatchPosition position() {
    return source.position();
  }

  /**
   * Whether {@link #close()} has been called.
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed.get();
  }

  /** Closes the arrays, releases the Arrow buffers they held, and closes the Arrow batch. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      closeArray(features);
      if (labels != null && labels != features) {
        closeArray(labels);
      }
      for (Runnable r : releases) {
        r.run();
      }
    } finally {
      source.close();
    }
  }

  private static void closeArray(INDArray array) {
    try {
      if (array != null && array.closeable()) {
        array.close();
      }
    } catch (RuntimeException e) {
      LOG.debug("closing an array failed", e);
    }
  }

  @Override
  public String toString() {
    return "ArrowTensorBatch[" + source.position() + ", rows=" + (closed.get() ? "?" : features.size(0)) + "]";
  }
}
