package io.solstice.examples.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.solstice.arrow.ReadOptions;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How {@code train} read its CSV table, recorded with the model so that {@code predict} reads new
 * rows the same way: without a header (the columns then named {@code f0, f1, ...}, as the model's
 * features are), after the same skipped rows, with the same missing-value markers, in the same
 * encoding.
 *
 * @param header false when the table had no header ({@code --csv-no-header})
 * @param skipRows rows skipped before the header ({@code --csv-skip-rows})
 * @param missingValues values read as missing ({@code --missing})
 * @param encoding the text encoding ({@code --encoding})
 */
public record CsvReading(boolean header, int skipRows, List<String> missingValues, Charset encoding) {

  /**
   * A table read as plain CSV: a header when its first line is one, nothing skipped, no markers,
   * UTF-8.
   */
  public static final CsvReading PLAIN = new CsvReading(true, 0, List.of(), StandardCharsets.UTF_8);

  /**
   * Freezes the markers.
   *
   * @param header see the record
   * @param skipRows see the record
   * @param missingValues see the record
   * @param encoding see the record
   */
  public CsvReading {
    missingValues = List.copyOf(missingValues);
    Objects.requireNonNull(encoding, "encoding");
  }

  /**
   * The same reading with another count of rows to skip: a file of new rows may start with other
   * lines than the table the run read.
   *
   * @param rows rows to skip before the header, at least 0
   * @return the reading
   */
  public CsvReading skipping(int rows) {
    return new CsvReading(header, rows, missingValues, encoding);
  }

  /**
   * Sets these on a reader's options.
   *
   * @param options the options of a CSV read
   * @return the same options
   */
  public ReadOptions.Builder applyTo(ReadOptions.Builder options) {
    return options.csvHeader(header).csvSkipRows(skipRows).csvMissingValues(missingValues).csvEncoding(encoding);
  }

  /**
   * The JSON object: {@code {"header": false, "skip_rows": 0, "missing_values": ["?"],
   * "encoding": "UTF-8"}}.
   *
   * @return the object
   */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("header", header);
    json.put("skip_rows", skipRows);
    json.put("missing_values", missingValues);
    json.put("encoding", encoding.name());
    return json;
  }

  /**
   * Reads the object {@link #toJson()} made.
   *
   * @param json the object, or null or absent (a record of a table that was not CSV, or of an
   *     earlier version): {@link #PLAIN}
   * @return the settings
   */
  public static CsvReading of(JsonNode json) {
    if (json == null || json.isNull() || json.isMissingNode()) {
      return PLAIN;
    }
    List<String> missing = new ArrayList<>();
    json.path("missing_values").forEach(value -> missing.add(value.asText()));
    return new CsvReading(json.path("header").asBoolean(true), json.path("skip_rows").asInt(0), missing,
        Charset.forName(json.path("encoding").asText(StandardCharsets.UTF_8.name())));
  }
}
