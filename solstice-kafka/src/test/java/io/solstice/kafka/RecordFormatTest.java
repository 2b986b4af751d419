package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.kafka.internal.JsonNumbers;
import io.solstice.kafka.internal.RowRecordDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Reading JSON rows, and the errors a bad one gets. */
class RecordFormatTest {

  private static Map<String, Double> parse(String json, String... fields) {
    return JsonNumbers.parse(json.getBytes(StandardCharsets.UTF_8), Set.of(fields));
  }

  @Test
  void readsTheWantedNumbersAndSkipsOtherFields() {
    assertThat(parse("{\"a\": 1.5, \"s\": \"x,}\\\"y\", \"n\": {\"k\": [1, {\"z\": 2}]}, \"b\": -2e3, \"t\": true}", "a", "b"))
        .isEqualTo(Map.of("a", 1.5, "b", -2000.0));
  }

  @Test
  void namesTheMissingOrNonNumericField() {
    assertThatThrownBy(() -> parse("{\"a\": 1}", "a", "b")).hasMessageContaining("no field \"b\"");
    assertThatThrownBy(() -> parse("{\"a\": \"1\"}", "a")).hasMessageContaining("field \"a\" is not a number");
    assertThatThrownBy(() -> parse("[1, 2]", "a")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> parse("{\"a\": 1", "a")).hasMessageContaining("not a JSON object")
        .hasMessageContaining("end-of-input");
    assertThatThrownBy(() -> JsonNumbers.parse(null, Set.of("a"))).hasMessageContaining("no value");
    assertThatThrownBy(() -> parse("{\"a\": -1e999}", "a"))
        .hasMessage("field \"a\" is beyond the range of a double: -Infinity");
  }

  @Test
  void aRowValueItsColumnCannotHoldIsABadRecord() throws Exception {
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0L, null, new byte[0]);
    List<RowColumn> columns = List.of(RowColumn.float32("x"), RowColumn.int32("k"), RowColumn.float64("y"));
    double[] row = new double[3];

    RowRecordDecoder fits = new RowRecordDecoder(columns, (r, out) -> {
      out[0] = 3.0e38;
      out[1] = -7;
      out[2] = 1e300;
    });
    fits.decodeRow(record, row);
    assertThat(row).containsExactly(3.0e38, -7, 1e300);

    RowRecordDecoder tooLarge = new RowRecordDecoder(columns, (r, out) -> out[0] = 1e300);
    assertThatThrownBy(() -> tooLarge.decodeRow(record, new double[3]))
        .hasMessage("column \"x\" is FLOAT32 but the record holds 1.0E300, beyond its range");
    RowRecordDecoder notWhole = new RowRecordDecoder(columns, (r, out) -> out[1] = 2.5);
    assertThatThrownBy(() -> notWhole.decodeRow(record, new double[3]))
        .hasMessage("column \"k\" is INT32 but the record holds 2.5");
  }

  @Test
  void aFormatRejectsColumnsNamedTwiceAndNoColumns() {
    assertThatThrownBy(() -> RecordFormat.json(RowColumn.float32("x"), RowColumn.int64("x")))
        .hasMessageContaining("named twice");
    assertThatThrownBy(RecordFormat::json).hasMessageContaining("at least one column");
  }

  @Test
  void aPositionRoundTripsThroughItsCheckpointForm() {
    Map<String, Object> stored = Map.of("my-topic-3", 42, "other-0", "7");
    assertThat(KafkaSource.offsetsFrom(stored)).containsOnly(
        Map.entry(new org.apache.kafka.common.TopicPartition("my-topic", 3), 42L),
        Map.entry(new org.apache.kafka.common.TopicPartition("other", 0), 7L));
    assertThatThrownBy(() -> KafkaSource.offsetsFrom(Map.of("nopartition", 1)))
        .hasMessageContaining("not a Kafka source position entry");
  }
}
