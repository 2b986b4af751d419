package io.solstice.core.data;

/**
 * The digits data set shipped with the core ({@link DigitsDataset#bundled()}), split once into
 * 80% train and 20% test with a fixed seed. Shared with other modules through the core's test
 * jar.
 */
public final class Digits {

  /** The seed of the fixed train/test split. */
  public static final long SPLIT_SEED = 42;

  private static DigitsDataset all;

  private Digits() {}

  /**
   * All 1,797 examples.
   *
   * @return the data set
   */
  public static synchronized DigitsDataset all() {
    if (all == null) {
      all = DigitsDataset.bundled();
    }
    return all;
  }

  /**
   * The fixed 80/20 split.
   *
   * @return train and test sets
   */
  public static DigitsDataset.Split split() {
    return all().split(0.2, SPLIT_SEED);
  }
}
