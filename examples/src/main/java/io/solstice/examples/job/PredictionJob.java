package io.solstice.examples.job;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import io.solstice.arrow.ColumnText;
import io.solstice.arrow.CsvColumnTypeException;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.TableFormat;
import io.solstice.arrow.TextEncodingException;
import io.solstice.examples.data.Categories;
import io.solstice.examples.data.FeatureValue;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.PredictionFile;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.data.WidenedColumns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;

/**
 * Applies a trained model to a table, streaming: the table is read batch by batch (any format
 * {@link TableFormat} detects: Arrow IPC file or stream, Parquet, CSV, JSON lines), each batch
 * goes through {@link ArrowFlux#predict} with the run's features and standardization, and is
 * written to the output ({@link PredictionFile}) before the next is read further than the
 * source's read-ahead. The body of {@code solstice predict}.
 *
 * @param model the trained model
 * @param data the table to predict
 * @param out the file to write
 * @param format the output format
 * @param batchRows the rows per batch read
 * @param keepFeatures whether the output has the feature columns too (else every input column but
 *     them)
 * @param csv how a CSV table is read: as the run read its own ({@code model.record().csv()}), or
 *     with other rows to skip
 * @param output how files are written
 */
public record PredictionJob(TrainedModel model, Path data, Path out, PredictionFile.Format format, int batchRows,
    boolean keepFeatures, CsvReading csv, OutputFiles output) {

  /**
   * What a prediction did.
   *
   * @param rows the rows written
   * @param evaluation the measure against the column the model predicts, when the table holds
   *     it; else null
   * @param widened a line for each CSV column read with a wider type than its first rows gave
   *     it ({@link WidenedColumns})
   */
  public record Predicted(long rows, PredictionEvaluation evaluation, List<String> widened) {}

  /**
   * Predicts every row of the table and writes the output file.
   *
   * @param allocator the allocator of every batch (its limit bounds the job's Arrow memory)
   * @return the rows written, and the evaluation where the table has the predicted column
   * @throws IOException when a file cannot be read or written
   */
  public Predicted run(BufferAllocator allocator) throws IOException {
    return run(allocator, () -> false);
  }

  /**
   * Predicts every row of the table and writes the output file, unless {@code interrupted} says
   * to stop: then the output is not written (nor its temporary file left behind) and the
   * exception says after how many rows.
   *
   * @param allocator the allocator of every batch
   * @param interrupted asked before each batch
   * @return the rows written, and the evaluation where the table has the predicted column
   * @throws IOException when a file cannot be read or written
   * @throws UsageException when interrupted
   */
  public Predicted run(BufferAllocator allocator, BooleanSupplier interrupted) throws IOException {
    TableFormat tableFormat;
    try {
      tableFormat = TableFormat.detect(data, csvOptions().build());
    } catch (TextEncodingException e) {
      throw new UsageException(e.what() + ", and predict reads a table in the encoding its run read ("
          + csv.encoding().name() + "): save it in that one, or train on a table in " + e.likelyEncoding().name()
          + " with --encoding " + e.likelyEncoding().name());
    }
    List<String> widened = new ArrayList<>();
    // A failed read leaves no output behind (OutputFiles), so the table is simply read again.
    Written written = new WidenedColumns(this::numberFeatureRefused).read(
        types -> write(allocator, interrupted, tableFormat, types), widened::add);
    return new Predicted(written.rows(), written.evaluation(), List.copyOf(widened));
  }

  /** What one read of the table wrote and measured. */
  private record Written(long rows, PredictionEvaluation evaluation) {}

  /** The run's CSV settings; a source in another format ignores them. */
  private ReadOptions.Builder csvOptions() {
    return csv.applyTo(ReadOptions.builder().batchSize(batchRows));
  }

  /** A numeric feature that holds a word: the model reads it as a number, so no wider type helps. */
  private UsageException numberFeatureRefused(CsvColumnTypeException e) {
    ModelRecord record = model.record();
    boolean numberFeature = record.features().contains(e.column()) && !record.categories().containsKey(e.column());
    return numberFeature && e.neededType() instanceof ArrowType.Utf8
        ? new UsageException("column '" + e.column() + "': " + e.what() + "; the model reads it as numbers")
        : null;
  }

  private Written write(BufferAllocator allocator, BooleanSupplier interrupted, TableFormat tableFormat,
      Map<String, ArrowType> widened) throws IOException {
    ModelRecord record = model.record();
    ReadOptions.Builder options = csvOptions();
    // A CSV reader would take a categorical column of digits for numbers ("007" as 7): read as text.
    Map<String, ArrowType> types = new LinkedHashMap<>(widened);
    record.categories().keySet().forEach(column -> types.put(column, ArrowType.Utf8.INSTANCE));
    if (tableFormat == TableFormat.CSV) {
      options.csvColumnTypes(types);
    }
    long[] rowsBefore = {0};
    Flux<ArrowBatch> predicted = tableFormat.read(data, allocator, options.build())
        .handle((ArrowBatch batch, SynchronousSink<ArrowBatch> sink) -> {
          UsageException refused = refused(record, batch, rowsBefore[0], interrupted);
          if (refused != null) {
            batch.close();
            sink.error(refused);
            return;
          }
          rowsBefore[0] += batch.rowCount();
          sink.next(batch);
        })
        .transform(ArrowFlux.predict(record.featureSpec(), model.model(), model.predictor()));
    // Decided on the first batch, which says whether the table has the predicted column.
    PredictionEvaluation[] evaluation = {null};
    boolean[] first = {true};
    Flux<ArrowBatch> evaluated = predicted.doOnNext(batch -> {
      if (first[0]) {
        first[0] = false;
        evaluation[0] = PredictionEvaluation.forTable(record, batch);
      }
      if (evaluation[0] != null) {
        evaluation[0].add(batch);
      }
    });
    long rows = PredictionFile.write(evaluated, keepFeatures ? List.of() : record.features(), record.classes(), out,
        format, allocator, output);
    return new Written(rows, evaluation[0]);
  }

  /**
   * Why a batch is not predicted, or null: a column named as one the output adds, an interrupt,
   * or features no model can take ({@link #unpredictable}).
   */
  private UsageException refused(ModelRecord record, ArrowBatch batch, long rowsBefore, BooleanSupplier interrupted) {
    for (String reserved : List.of(ArrowFlux.PREDICTION, ArrowFlux.PROBABILITIES, ArrowFlux.MODEL_VERSION)) {
      if (batch.root().getVector(reserved) != null) {
        return new UsageException(data + " already has a column named '" + reserved
            + "' (is it a predictions file?); rename or drop it");
      }
    }
    if (interrupted.getAsBoolean()) {
      return new UsageException("interrupted after " + rowsBefore + " rows of " + data + "; " + out
          + " was left as it was (it is written whole or not at all)");
    }
    return unpredictable(record, batch, rowsBefore);
  }

  /**
   * Why a batch's numeric features cannot be predicted from, or null: an infinity, or a missing
   * value (null or NaN) that the run does not fill. A model would turn either into NaN
   * probabilities and an arbitrary class, so the whole table is refused, as {@code train}
   * refuses it, naming the first such row.
   */
  private UsageException unpredictable(ModelRecord record, ArrowBatch batch, long rowsBefore) {
    for (String name : record.features()) {
      FieldVector column = batch.root().getVector(name);
      if (column == null || record.categories().containsKey(name)) {
        continue; // a missing column is FeatureSpec's to name; a category is never infinite
      }
      if (Categories.isCategorical(column.getField())) {
        return textInNumbers(name, ColumnText.of(batch, column), batch.rowCount(), rowsBefore);
      }
      if (!FeatureValue.anyToCheck(column)) {
        continue;
      }
      for (int r = 0; r < batch.rowCount(); r++) {
        FeatureValue kind = FeatureValue.of(column, r);
        long row = rowsBefore + r + 1;
        if (kind == FeatureValue.INFINITE) {
          return new UsageException(data + " has an infinite value in feature column '" + name + "' (row " + row
              + "); replace it with a finite value or remove the row");
        }
        if (kind == FeatureValue.MISSING && record.fillNulls() == null) {
          return new UsageException(data + " has a missing value (null or NaN) in feature column '" + name
              + "' (row " + row + "), and the run refused missing values when it trained: fill them in the data, "
              + "or train again with --fill-nulls mean or --fill-nulls VALUE");
        }
      }
    }
    return null;
  }

  /**
   * A text column where the run took numbers (a CSV reader reads a column as text when one of
   * its values is not a number), naming the first value that is not one.
   */
  private UsageException textInNumbers(String name, ColumnText values, int rows, long rowsBefore) {
    for (int r = 0; r < rows; r++) {
      String value = values.at(r);
      if (value != null && !value.isBlank() && !Categories.isNumber(value)) {
        return new UsageException(data + " has text in feature column '" + name + "', which the run took as numbers: '"
            + value + "' in row " + (rowsBefore + r + 1) + "; write a number there (or leave the cell empty for a "
            + "missing value)");
      }
    }
    return new UsageException(data + " has text in feature column '" + name + "', which the run took as numbers; "
        + "write it as numbers");
  }
}
