package io.solstice.arrow.internal;

import io.solstice.arrow.Split;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which split each row of a table goes to, decided row by row from the row's stratum and its
 * rank among the rows of that stratum (its occurrence, counted in table order): stratum
 * {@code k} with {@code n} rows sends {@code round(n * test)} rows to the test split and
 * {@code round(n * validation)} to validation, chosen by a {@link SeededPermutation} of its
 * occurrences keyed by the seed and the stratum. Counts per stratum and split are therefore
 * within one row of the fractions, the choice among a stratum's rows is uniformly random, and
 * the same seed, fractions and table always give the same split, in memory or streamed.
 *
 * <p>Thread safety: immutable after construction and thread-safe.
 */
public final class SplitQuotas {

  private final Map<Object, Quota> quotas = new LinkedHashMap<>();

  /** One stratum's permutation and split sizes. */
  private record Quota(SeededPermutation order, long rows, long test, long validation) {}

  /**
   * Quotas for these strata.
   *
   * @param rowsPerStratum the number of rows of each stratum
   * @param validation the validation fraction
   * @param test the test fraction
   * @param seed the seed
   */
  public SplitQuotas(Map<Object, Long> rowsPerStratum, double validation, double test, long seed) {
    rowsPerStratum.forEach((stratum, n) -> {
      long testRows = Math.round(n * test);
      long validationRows = Math.min(n - testRows, Math.round(n * validation));
      long key = SeededPermutation.mix(seed ^ SeededPermutation.mix(stableHash(stratum)));
      quotas.put(stratum, new Quota(new SeededPermutation(n, key), n, testRows, validationRows));
    });
  }

  /**
   * The split of a row.
   *
   * @param stratum the row's stratum (as counted)
   * @param occurrence how many rows of that stratum came before it in table order
   * @return its split
   * @throws IllegalStateException when the table holds more rows of the stratum than counted
   *     (it changed since)
   */
  public Split assign(Object stratum, long occurrence) {
    Quota quota = quotas.get(stratum);
    if (quota == null || occurrence >= quota.rows) {
      throw new IllegalStateException("the table changed since it was split: it holds more rows of "
          + (stratum == null ? "null" : "'" + stratum + "'") + " than the " + (quota == null ? 0 : quota.rows)
          + " counted");
    }
    long rank = quota.order.apply(occurrence);
    return rank < quota.test ? Split.TEST : rank < quota.test + quota.validation ? Split.VALIDATION : Split.TRAIN;
  }

  /**
   * The number of rows of a stratum in a split.
   *
   * @param stratum the stratum
   * @param split the split
   * @return the count
   */
  public long rows(Object stratum, Split split) {
    Quota quota = quotas.get(stratum);
    if (quota == null) {
      return 0;
    }
    return switch (split) {
      case TEST -> quota.test;
      case VALIDATION -> quota.validation;
      case TRAIN -> quota.rows - quota.test - quota.validation;
    };
  }

  /** A hash of a stratum that is the same on every JVM (unlike {@code Object.hashCode}). */
  private static long stableHash(Object stratum) {
    long h = 0xcbf29ce484222325L;
    for (byte b : String.valueOf(stratum).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    return h;
  }
}
