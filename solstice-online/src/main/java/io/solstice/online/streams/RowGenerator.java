package io.solstice.online.streams;

/**
 * A stateful, seeded generator of labelled rows: the definition of one synthetic stream.
 * Calling {@link #next} repeatedly yields the stream in order; two generators built with the
 * same parameters and seed yield the same rows.
 *
 * <p>Not thread-safe: one reader at a time. {@link DriftingStreams#arrow} builds a fresh
 * generator for each subscription, which is what makes the Arrow source cold.
 */
public interface RowGenerator {

  /**
   * The number of feature values per row.
   *
   * @return the width
   */
  int features();

  /**
   * The number of classes; labels are in {@code [0, classes())}.
   *
   * @return the class count
   */
  int classes();

  /**
   * Writes the next row's features into {@code features} and returns its label.
   *
   * @param features an array of at least {@link #features()} values, overwritten
   * @return the row's class label
   */
  int next(double[] features);
}
