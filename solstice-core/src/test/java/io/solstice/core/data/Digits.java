package io.solstice.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The digits data set stored with the tests (see {@code digits/README.md} for its
 * provenance), split once into 80% train and 20% test with a fixed seed. Shared with other
 * modules through the core's test jar.
 */
public final class Digits {

  /** The seed of the fixed train/test split. */
  public static final long SPLIT_SEED = 42;

  private static final String RESOURCE = "/digits/digits.csv.gz";
  private static DigitsDataset all;

  private Digits() {}

  /**
   * All 1,797 examples.
   *
   * @return the data set
   */
  public static synchronized DigitsDataset all() {
    if (all == null) {
      try (InputStream in = Digits.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("test resource " + RESOURCE + " is missing");
        }
        all = DigitsDataset.read(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
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
