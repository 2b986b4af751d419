package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The message of a column that is not there names the one probably meant, when one stands out. */
class MissingColumnExceptionTest {
  private static final List<String> COLUMNS = List.of("age", " income", "Hours", "label", "level");

  @Test
  void aColumnThatDiffersOnlyInSpacesOrCaseIsNamed() {
    assertThat(message("income")).isEqualTo("column 'income': not in the data; the columns are "
        + "[age,  income, Hours, label, level]; did you mean ' income'?");
    assertThat(message("hours")).endsWith("; did you mean 'Hours'?");
    assertThat(message("AGE ")).endsWith("; did you mean 'age'?");
  }

  @Test
  void aColumnOneOrTwoLettersAwayIsNamedWhenItIsTheOnlyOne() {
    assertThat(message("incme")).endsWith("; did you mean ' income'?");
    assertThat(message("hourz")).endsWith("; did you mean 'Hours'?");
    // 'label' and 'level' are both two letters from 'lebel': no guess.
    assertThat(message("lebel")).endsWith("the columns are [age,  income, Hours, label, level]");
    // A short name is too close to too much to guess from.
    assertThat(message("agx")).endsWith("]");
    assertThat(message("weight")).endsWith("]");
  }

  private static String message(String column) {
    return MissingColumnException.notAmong(column, "not in the data", COLUMNS).getMessage();
  }
}
