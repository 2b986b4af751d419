package io.solstice.spark;

import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.Metrics;
import java.io.Serializable;

/**
 * Turns a round's metrics into a serializable value on an executor and back on the driver,
 * where they are {@linkplain Metrics#merge merged} across partitions. Metric types need not be
 * {@link Serializable} themselves.
 *
 * <p>Thread safety: Spark gives each task its own deserialized copy and the driver decodes on
 * one thread; the built-in codecs keep no state and are thread-safe.
 *
 * @param <M> the metrics type
 */
public interface MetricsCodec<M extends Metrics<M>> extends Serializable {

  /**
   * Encodes metrics on an executor.
   *
   * @param metrics the metrics of one partition's steps
   * @return a serializable value
   */
  Serializable encode(M metrics);

  /**
   * Decodes what {@link #encode} produced.
   *
   * @param encoded the value
   * @return the metrics
   */
  M decode(Serializable encoded);

  /**
   * The codec for {@link ClassificationMetrics}: the confusion matrix, loss sum and count
   * travel; merging decoded metrics gives the same accuracy, precision, recall and F1 as
   * computing over all the data at once (the loss sum up to rounding).
   *
   * @return the codec
   */
  static MetricsCodec<ClassificationMetrics> classification() {
    return new io.solstice.spark.internal.ClassificationMetricsCodec();
  }

  /**
   * The codec for metric types that are themselves {@link Serializable}: they travel as is.
   *
   * @param type the metrics class, which must implement {@link Serializable}
   * @param <M> the metrics type
   * @return the codec
   * @throws IllegalArgumentException when the type is not serializable
   */
  static <M extends Metrics<M>> MetricsCodec<M> javaSerializable(Class<M> type) {
    if (!Serializable.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(
          type.getName() + " is not Serializable; write a MetricsCodec for it");
    }
    return new MetricsCodec<>() {
      private static final long serialVersionUID = 1L;

      @Override
      public Serializable encode(M metrics) {
        return (Serializable) metrics;
      }

      @Override
      public M decode(Serializable encoded) {
        return type.cast(encoded);
      }
    };
  }
}
