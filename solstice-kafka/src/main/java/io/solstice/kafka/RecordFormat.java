package io.solstice.kafka;

import io.solstice.kafka.internal.IpcRecordDecoder;
import io.solstice.kafka.internal.JsonNumbers;
import io.solstice.kafka.internal.RecordDecoder;
import io.solstice.kafka.internal.RowRecordDecoder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How the values of Kafka records become Arrow batches. Either each record is already a
 * batch ({@link #arrowIpc()}), or each record is one row and rows are gathered into batches of
 * {@link KafkaSource.Builder#batchRows N rows} or {@link KafkaSource.Builder#linger T}, whichever
 * comes first ({@link #json}, {@link #rows}). Gathered batches hold rows of one partition only,
 * in offset order.
 *
 * <p>Thread safety: immutable; the built-in formats keep no state, and a format made with
 * rows(...) is as thread-safe as its RowMapper.
 */
public final class RecordFormat {
  private final RecordDecoder decoder;
  private final String description;

  private RecordFormat(RecordDecoder decoder, String description) {
    this.decoder = decoder;
    this.description = description;
  }

  /**
   * Each record value is a whole Arrow IPC stream (as written by {@code ArrowStreamWriter}): a
   * schema message and exactly one record batch, without dictionaries. Each record becomes one
   * batch.
   *
   * @return the format
   */
  public static RecordFormat arrowIpc() {
    return new RecordFormat(new IpcRecordDecoder(), "arrowIpc()");
  }

  /**
   * Each record value is a flat UTF-8 JSON object whose fields named by the columns hold
   * numbers, for example {@code {"x": 0.25, "label": 3}}; other fields are ignored. A missing
   * or non-numeric field, or a fraction in an integer column, makes the record bad.
   *
   * @param columns the columns, each read from the field of the same name
   * @return the format
   */
  public static RecordFormat json(RowColumn... columns) {
    List<RowColumn> list = checkColumns(columns);
    Set<String> names = new LinkedHashSet<>();
    list.forEach(c -> names.add(c.name()));
    RowMapper mapper = (record, row) -> {
      Map<String, Double> values = JsonNumbers.parse(record.value(), names);
      for (int i = 0; i < list.size(); i++) {
        row[i] = values.get(list.get(i).name());
      }
    };
    return new RecordFormat(new RowRecordDecoder(list, mapper), "json(" + list + ")");
  }

  /**
   * Each record becomes one row through a function of yours (for CSV, Avro, Protobuf, keys,
   * headers...). An exception from the function makes the record bad.
   *
   * @param mapper fills the row's values, in column order
   * @param columns the columns
   * @return the format
   */
  public static RecordFormat rows(RowMapper mapper, RowColumn... columns) {
    Objects.requireNonNull(mapper, "mapper");
    return new RecordFormat(new RowRecordDecoder(checkColumns(columns), mapper), "rows(" + Arrays.toString(columns) + ")");
  }

  private static List<RowColumn> checkColumns(RowColumn... columns) {
    if (columns == null || columns.length == 0) {
      throw new IllegalArgumentException("name at least one column");
    }
    List<RowColumn> list = List.of(columns);
    Set<String> names = new LinkedHashSet<>();
    for (RowColumn c : list) {
      if (!names.add(c.name())) {
        throw new IllegalArgumentException("column \"" + c.name() + "\" is named twice");
      }
    }
    return list;
  }

  RecordDecoder decoder() {
    return decoder;
  }

  @Override
  public String toString() {
    return "RecordFormat." + description;
  }
}
