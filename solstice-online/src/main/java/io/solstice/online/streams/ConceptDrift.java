package io.solstice.online.streams;

import java.util.Random;

/**
 * A drift from one stream to another around a given row, as MOA's
 * {@code moa.streams.ConceptDriftStream} defines it: row {@code n} (counted from 1) comes from the
 * new stream with probability {@code 1 / (1 + exp(-4 (n - position) / width))}, a sigmoid centred
 * on {@code position} whose transition lasts about {@code width} rows. A width of 1 is an abrupt
 * drift. Only the stream chosen for a row advances.
 *
 * <p>Several drifts nest: {@code new ConceptDrift(new ConceptDrift(a, b, 25_000, 1, s), c,
 * 50_000, 1, s)} switches from a to b at 25,000 and to c at 50,000.
 */
public final class ConceptDrift implements RowGenerator {
  private final RowGenerator before;
  private final RowGenerator after;
  private final long position;
  private final long width;
  private final Random random;
  private long row;

  /**
   * A drift.
   *
   * @param before the stream before the drift
   * @param after the stream after it; same features and classes
   * @param position the row at the centre of the drift
   * @param width the width of the transition in rows, at least 1 (1 is abrupt)
   * @param seed the seed of the choice between the two streams
   */
  public ConceptDrift(RowGenerator before, RowGenerator after, long position, long width, int seed) {
    if (before.features() != after.features() || before.classes() != after.classes()) {
      throw new IllegalArgumentException("the streams differ in features or classes");
    }
    if (width < 1) {
      throw new IllegalArgumentException("width must be >= 1, was " + width);
    }
    this.before = before;
    this.after = after;
    this.position = position;
    this.width = width;
    this.random = new Random(seed);
  }

  @Override
  public int features() {
    return before.features();
  }

  @Override
  public int classes() {
    return before.classes();
  }

  @Override
  public int next(double[] features) {
    row++;
    double x = -4.0 * (row - position) / width;
    double probabilityOfNew = 1.0 / (1.0 + Math.exp(x));
    return random.nextDouble() > probabilityOfNew ? before.next(features) : after.next(features);
  }
}
