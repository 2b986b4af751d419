package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.RunOutcome;
import io.solstice.examples.EventStreamExample.EpochTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The event-stream example runs: the stop rule ends the run at the first epoch whose validation
 * accuracy reaches the target, the reduced table has one complete row per epoch run, and the
 * feed carries exactly those numbers, in order, then the end of the run, with nothing dropped.
 */
class EventStreamExampleTest {

  private static final double TARGET = 0.9;
  private static final int MAX_EPOCHS = 30;

  @Test
  void theStopRuleTheReducedTableAndTheFeedAgree() {
    EventStreamExample.Result result = EventStreamExample.run(MAX_EPOCHS, TARGET);

    assertThat(result.outcome().status()).isEqualTo(RunOutcome.Status.STOPPED_EARLY);
    assertThat(result.outcome().cause()).hasMessage("validation accuracy reached 0.90");

    Map<Integer, EpochTable.Row> rows = result.table().rows();
    int epochs = rows.size();
    assertThat(epochs).isBetween(1, MAX_EPOCHS - 1);
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(
        java.util.stream.IntStream.range(0, epochs).boxed().toList());
    for (int epoch = 0; epoch < epochs; epoch++) {
      EpochTable.Row row = rows.get(epoch);
      assertThat(row.train()).containsKeys("loss", "accuracy");
      assertThat(row.val()).containsKeys("loss", "accuracy");
      double valAccuracy = row.val().get("accuracy");
      if (epoch < epochs - 1) {
        assertThat(valAccuracy).as("epoch %d did not reach the target", epoch).isLessThan(TARGET);
      } else {
        assertThat(valAccuracy).as("the last epoch reached it").isGreaterThanOrEqualTo(TARGET);
      }
    }
    assertThat(rows.get(epochs - 1).train().get("loss")).isLessThan(rows.get(0).train().get("loss"));

    List<String> expected = new ArrayList<>();
    for (int epoch = 0; epoch < epochs; epoch++) {
      expected.add(line(epoch, "train", rows.get(epoch).train()));
      expected.add(line(epoch, "val", rows.get(epoch).val()));
    }
    expected.add("event: end\ndata: {\"outcome\":\"STOPPED_EARLY\"}\n\n");
    assertThat(result.feed()).containsExactlyElementsOf(expected);
    assertThat(result.feedDropped()).isZero();
    assertThat(result.table().render().lines()).hasSize(epochs + 1);
  }

  private static String line(int epoch, String mode, Map<String, Double> values) {
    return String.format(Locale.ROOT,
        "event: epoch\ndata: {\"epoch\":%d,\"mode\":\"%s\",\"loss\":%.6f,\"accuracy\":%.6f}\n\n",
        epoch, mode, values.get("loss"), values.get("accuracy"));
  }
}
