package io.solstice.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.NamedArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The parallel-build check of the concurrency suite: {@value #AT_ONCE} seeded builds at once,
 * {@value #ROUNDS} times over, each compared bitwise ({@link NamedArrays#equals}) with the
 * same seed built alone.
 *
 * <p>That is 800 concurrent builds per model kind. A fault that spoiled 1 build in 100 at
 * random would pass unseen with probability 0.99^800, about 3.2e-4; one that spoiled 1 round
 * of 8 in 100 would pass unseen with probability 0.99^100, about 0.37.
 */
public final class ParallelBuilds {

  /** Builds running at the same time. */
  public static final int AT_ONCE = 8;

  /** Times the {@value #AT_ONCE} builds are repeated. */
  public static final int ROUNDS = 100;

  private ParallelBuilds() {}

  /**
   * Builds seeds {@code firstSeed} to {@code firstSeed + 7}, first one at a time (checking
   * that they differ from one another), then {@value #ROUNDS} times all at once, and fails
   * listing every concurrent build whose state differs from its lone twin.
   *
   * @param firstSeed the first of the {@value #AT_ONCE} consecutive seeds
   * @param build builds a model from a seed and returns its state (copied by this method)
   */
  public static void assertEveryBuildMatchesItsLoneTwin(
      long firstSeed, LongFunction<NamedArrays> build) {
    List<NamedArrays> alone =
        Concurrently.oneAtATime(AT_ONCE, i -> build.apply(firstSeed + i).copy());
    // Distinct seeds must give distinct states, or equality below would prove nothing.
    assertThat(alone).as("the lone builds of %d distinct seeds", AT_ONCE).doesNotHaveDuplicates();
    List<String> mismatches = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      List<NamedArrays> together =
          Concurrently.allAtOnce(AT_ONCE, i -> build.apply(firstSeed + i).copy());
      for (int i = 0; i < AT_ONCE; i++) {
        if (!together.get(i).equals(alone.get(i))) {
          mismatches.add("round " + round + " seed " + (firstSeed + i));
        }
      }
    }
    assertThat(mismatches)
        .as("of %d concurrent builds, these differ from the same seed built alone",
            AT_ONCE * ROUNDS)
        .isEmpty();
  }
}
