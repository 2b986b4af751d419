package io.solstice.arrow;

import io.solstice.core.metrics.FeatureMoments;
import java.util.Arrays;

/**
 * Feature standardization, {@code (x - mean) / scale} per feature, as scikit-learn's
 * {@code StandardScaler} does: the mean and the population standard deviation fitted on the
 * training rows, and a scale of 1 for a constant feature (so it becomes 0 rather than a
 * division by zero). Applied by a {@link FeatureSpec} built with
 * {@link FeatureSpec.Builder#standardize}, to every batch it converts: train, validation, test
 * and prediction alike.
 *
 * <p>Fit it in one pass over the train split, reading features in double precision so that a
 * column like 1e6 +- 0.01 keeps its digits:
 *
 * <pre>{@code
 * FeatureSpec raw = FeatureSpec.builder().features(columns).label("y").featureType(DataType.DOUBLE).build();
 * FeatureMoments moments = split.batches(Split.TRAIN, 4096).map(raw::toTensors)
 *     .reduce(FeatureMoments.none(), (m, t) -> { try (t) { return m.merge(FeatureMoments.of(t.features())); } })
 *     .block();
 * FeatureSpec spec = FeatureSpec.builder().features(columns).label("y")
 *     .standardize(Standardization.of(moments)).build();
 * }</pre>
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class Standardization {
  private final double[] mean;
  private final double[] scale;

  private Standardization(double[] mean, double[] scale) {
    this.mean = mean;
    this.scale = scale;
  }

  /**
   * The standardization of features with these moments.
   *
   * @param moments the moments of the training rows' features, at least one row
   * @return the standardization
   */
  public static Standardization of(FeatureMoments moments) {
    if (moments.count() == 0) {
      throw new IllegalArgumentException("cannot standardize from moments of no rows");
    }
    double[] variance = moments.variance();
    double[] scale = new double[variance.length];
    for (int c = 0; c < scale.length; c++) {
      scale[c] = variance[c] > 0 ? Math.sqrt(variance[c]) : 1;
    }
    return new Standardization(moments.mean(), scale);
  }

  /**
   * A standardization with these means and scales, for example read back from a run record.
   *
   * @param mean the mean of each feature
   * @param scale the scale of each feature, positive
   * @return the standardization
   */
  public static Standardization of(double[] mean, double[] scale) {
    if (mean.length != scale.length || mean.length == 0) {
      throw new IllegalArgumentException("need one mean and one scale per feature, got " + mean.length + " and "
          + scale.length);
    }
    for (int c = 0; c < scale.length; c++) {
      if (!(scale[c] > 0) || !Double.isFinite(scale[c]) || !Double.isFinite(mean[c])) {
        throw new IllegalArgumentException("feature " + c + ": scale must be positive and finite and the mean finite, "
            + "got mean " + mean[c] + ", scale " + scale[c]);
      }
    }
    return new Standardization(mean.clone(), scale.clone());
  }

  /**
   * The number of features.
   *
   * @return the width
   */
  public int width() {
    return mean.length;
  }

  /**
   * The mean subtracted from each feature.
   *
   * @return a copy of the means
   */
  public double[] mean() {
    return mean.clone();
  }

  /**
   * What each feature is divided by: its standard deviation, or 1 for a constant feature.
   *
   * @return a copy of the scales
   */
  public double[] scale() {
    return scale.clone();
  }

  /**
   * Standardizes one value.
   *
   * @param feature the feature's index
   * @param value its raw value
   * @return {@code (value - mean) / scale}
   */
  public double apply(int feature, double value) {
    return (value - mean[feature]) / scale[feature];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Standardization other && Arrays.equals(mean, other.mean) && Arrays.equals(scale, other.scale);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(scale);
  }

  @Override
  public String toString() {
    return "Standardization[mean=" + Arrays.toString(mean) + ", scale=" + Arrays.toString(scale) + "]";
  }
}
