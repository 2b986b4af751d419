package io.solstice.core.testing;

import java.util.Random;
import java.util.function.Consumer;

/**
 * A minimal property-test runner: checks a property on many seeded random cases and, when one
 * fails, names the case's seed so that it can be replayed alone.
 */
public final class RandomCases {

  private RandomCases() {}

  /**
   * Runs {@code property} on {@code count} cases, each with its own {@link Random} derived from
   * {@code seed} and the case number.
   *
   * @param count how many cases to try
   * @param seed the base seed; a failure names the case seed to replay
   * @param property the check; throws {@link AssertionError} when the property does not hold
   */
  public static void check(int count, long seed, Consumer<Random> property) {
    for (int i = 0; i < count; i++) {
      long caseSeed = seed * 1_000_003L + i;
      try {
        property.accept(new Random(caseSeed));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("property failed on case " + i + " (case seed " + caseSeed + "): "
            + e.getMessage(), e);
      }
    }
  }
}
