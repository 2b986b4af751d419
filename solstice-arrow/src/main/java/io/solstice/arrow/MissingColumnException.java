package io.solstice.arrow;

import java.util.List;
import java.util.Locale;

/**
 * A column the feature spec names is not in the batch's schema.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and cause.
 */
public final class MissingColumnException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   */
  public MissingColumnException(String column, String message) {
    super(column, message, null);
  }

  /**
   * A column that is not among a table's columns: the message lists them, and names the one
   * probably meant when exactly one differs from the name only in case, in spaces around it (a
   * header such as {@code "age,  income"} names a column {@code " income"}), or by one or two
   * letters.
   *
   * @param column the name asked for
   * @param what what is missing, for example {@code "not in the data"}
   * @param columns the columns there are
   * @return the exception
   */
  public static MissingColumnException notAmong(String column, String what, List<String> columns) {
    String meant = probablyMeant(column, columns);
    return new MissingColumnException(column, what + "; the columns are " + columns
        + (meant == null ? "" : "; did you mean '" + meant + "'?"));
  }

  private static String probablyMeant(String column, List<String> columns) {
    String loose = column.strip().toLowerCase(Locale.ROOT);
    List<String> alike = columns.stream().filter(c -> c.strip().toLowerCase(Locale.ROOT).equals(loose)).toList();
    if (alike.isEmpty() && loose.length() > 3) {
      alike = columns.stream().filter(c -> editDistance(c.strip().toLowerCase(Locale.ROOT), loose) <= 2).toList();
    }
    return alike.size() == 1 ? alike.get(0) : null;
  }

  /** Levenshtein's distance: the fewest insertions, deletions and replacements from a to b. */
  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int replace = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(replace, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /**
   * Creates the exception with its cause.
   *
   * @param column the column concerned, or {@code null}
   * @param message what was found and what was expected
   * @param cause the underlying failure
   */
  public MissingColumnException(String column, String message, Throwable cause) {
    super(column, message, cause);
  }
}
