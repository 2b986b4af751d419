package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowDataException;
import io.solstice.arrow.ArrowReadException;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.CsvColumnTypeException;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.SourceLease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.arrow.c.ArrowSchema;
import org.apache.arrow.c.Data;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.FragmentScanOptions;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.scanner.csv.CsvConvertOptions;
import org.apache.arrow.dataset.scanner.csv.CsvFragmentScanOptions;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads files through Arrow's dataset scanner (Parquet, CSV, newline-delimited JSON), one file
 * (fragment) at a time in file-name order, so that a position (file, batch) is stable and a
 * resumed run can skip whole files. Within a file the scanner yields batches in order. CSV files
 * are read with the header, skipped rows and column types of the {@link ReadOptions}, each in
 * its own {@link CsvDialect} (commas, tabs, or semicolons with decimal commas; a first line of
 * numbers only is data, and the columns are then named {@code f0, f1, ...}); with missing-value
 * markers, a space after each delimiter, rows to skip or an encoding other than UTF-8, through a
 * copy of the file that the reader reads as the file means ({@link CsvCopy}).
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class DatasetCursor extends BatchCursor {
  /** Arrow's own default scan batch size, used when no batch size is given. */
  private static final long DEFAULT_SCAN_ROWS = 1L << 15;

  /** A format the scanner reads, with its name for messages and its files' extension. */
  public enum Format {
    /** Apache Parquet. */
    PARQUET(FileFormat.PARQUET, "Parquet", ".parquet"),
    /** Comma-separated values. */
    CSV(FileFormat.CSV, "CSV", ".csv"),
    /** Newline-delimited JSON, one object per line. */
    JSON_LINES(FileFormat.JSON, "JSON lines", ".jsonl");

    private final FileFormat fileFormat;
    private final String label;
    private final String extension;

    Format(FileFormat fileFormat, String label, String extension) {
      this.fileFormat = fileFormat;
      this.label = label;
      this.extension = extension;
    }

    /**
     * Whether a directory's file of this name is read: by its extension, which for text may be
     * followed by {@code .gz} (Arrow's readers decompress such a file).
     *
     * @param fileName the file's name
     * @return true when the name has this format's extension
     */
    public boolean named(String fileName) {
      return fileName.endsWith(extension) || this != PARQUET && fileName.endsWith(extension + FileHead.GZIP_EXTENSION);
    }
  }

  private final Path fileOrDirectory;
  private final Format format;
  private final ReadOptions options;
  private BufferAllocator allocator;
  private List<Path> files;
  private int nextFile;
  private FileSystemDatasetFactory factory;
  private Dataset dataset;
  private Scanner scanner;
  private ArrowReader reader;
  private int currentFile = -1;
  // The copy of the current CSV file that the reader reads, or null (CsvCopy).
  private OwnedTempFile copy;
  // For CSV: the current file's dialect and columns, and the first file's columns, whose types
  // the later files are read with (TableTypes).
  private CsvDialect dialect;
  private String currentUri;
  private Schema fileSchema;
  private Schema tableSchema;
  private int tableFile;

  /**
   * Creates the cursor.
   *
   * @param fileOrDirectory a file, or a directory of files with the format's extension (read in
   *     name order)
   * @param format the file format
   * @param lease the subscription's lease
   * @param options the batch size (the scanner's; 0 for its default), the start position and,
   *     for CSV, the header, skipped rows and column types
   */
  public DatasetCursor(Path fileOrDirectory, Format format, SourceLease lease, ReadOptions options) {
    super(fileOrDirectory.getFileName().toString(), lease, options.batchSize(), options.startAt());
    this.fileOrDirectory = fileOrDirectory;
    this.format = format;
    this.options = options;
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) throws IOException {
    this.allocator = allocator;
    files = listFiles(fileOrDirectory, format);
    if (startAt != null) {
      nextFile = (int) Math.min(startAt.fragment(), files.size());
    }
  }

  /**
   * The files of a directory with the format's extension in name order (hidden and underscore
   * files skipped), or the file itself.
   *
   * @param fileOrDirectory a file or directory
   * @param format the format, whose extension selects a directory's files
   * @return the files
   * @throws IOException if the directory cannot be listed
   */
  public static List<Path> listFiles(Path fileOrDirectory, Format format) throws IOException {
    if (!Files.isDirectory(fileOrDirectory)) {
      if (!Files.isRegularFile(fileOrDirectory)) {
        throw new ArrowDataException(null, fileOrDirectory + ": no such " + format.label + " file or directory", null);
      }
      return List.of(fileOrDirectory);
    }
    try (Stream<Path> listing = Files.list(fileOrDirectory)) {
      List<Path> found = new ArrayList<>(listing
          .filter(Files::isRegularFile)
          .filter(p -> {
            String n = p.getFileName().toString();
            return !n.startsWith(".") && !n.startsWith("_") && format.named(n);
          })
          .sorted()
          .toList());
      if (found.isEmpty()) {
        throw new ArrowDataException(null, fileOrDirectory + ": the directory holds no *" + format.extension
            + (format == Format.PARQUET ? "" : " or *" + format.extension + FileHead.GZIP_EXTENSION) + " files", null);
      }
      return found;
    }
  }

  @Override
  protected Loaded loadNext() throws Exception {
    while (true) {
      if (reader != null && reader.loadNextBatch()) {
        return new Loaded(reader.getVectorSchemaRoot(), reader, currentFile);
      }
      closeScan();
      if (nextFile >= files.size()) {
        return null;
      }
      currentFile = nextFile++;
      Path file = files.get(currentFile);
      String uri = file.toUri().toString();
      long rows = batchSize() > 0 ? batchSize() : DEFAULT_SCAN_ROWS;
      if (format == Format.CSV) {
        dialect = CsvDialect.of(file, options);
        if (CsvCopy.needed(dialect, options)) {
          copy = CsvCopy.copy(file, dialect, options, options.csvHeader() && dialect.header() ? 1 : 0);
          uri = copy.path().toUri().toString();
        }
        // Column types shape the dataset's schema, which the scan then follows; the C schema
        // they travel in is consumed by the factory, so the scan gets options without them.
        try (ArrowSchema types = columnTypes()) {
          factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(), format.fileFormat, uri,
              Optional.of(csvOptions(types, dialect)));
        }
        currentUri = uri;
        dataset = factory.finish();
        scanner = dataset.newScan(new ScanOptions.Builder(rows).columns(Optional.empty())
            .fragmentScanOptions(csvOptions(null, dialect)).build());
      } else {
        factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(), format.fileFormat, uri);
        dataset = factory.finish();
        scanner = dataset.newScan(new ScanOptions(rows));
      }
      reader = scanner.scanBatches();
      if (format == Format.CSV) {
        fileSchema = reader.getVectorSchemaRoot().getSchema();
        if (tableSchema == null) {
          tableSchema = fileSchema;
          tableFile = currentFile;
        } else {
          TableTypes.checkEmptyColumns(tableSchema, fileSchema, tableFileName(), file.getFileName().toString());
        }
      }
    }
  }

  /**
   * The current CSV file's columns: as read, or, where the read failed before it had any (a value
   * of its first block that a type named or taken from the first file cannot hold), as Arrow
   * infers them on their own; null when even that fails.
   */
  private Schema fileColumns() {
    if (fileSchema != null) {
      return fileSchema;
    }
    try (FileSystemDatasetFactory inferring = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(),
        format.fileFormat, currentUri, Optional.of(csvOptions(null, dialect)))) {
      return inferring.inspect();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private String tableFileName() {
    return files.get(tableFile).getFileName().toString();
  }

  /**
   * The CSV column types as a C schema, or null when there are none: those of the options, and
   * for a later file of a directory the first file's, so that each column has one type in the
   * whole table (a later file would infer its own from its own rows).
   */
  private ArrowSchema columnTypes() {
    Map<String, ArrowType> pinned = TableTypes.pinned(tableSchema, options.csvColumnTypes());
    if (pinned.isEmpty()) {
      return null;
    }
    List<Field> fields = new ArrayList<>();
    pinned.forEach((name, type) -> fields.add(new Field(name, FieldType.nullable(type), null)));
    ArrowSchema types = ArrowSchema.allocateNew(allocator);
    try {
      Data.exportSchema(allocator, new Schema(fields), null, types);
      return types;
    } catch (RuntimeException e) {
      types.close();
      throw e;
    }
  }

  private FragmentScanOptions csvOptions(ArrowSchema types, CsvDialect dialect) {
    Map<String, String> conversion = new HashMap<>();
    conversion.put("decimal_point", Character.toString(dialect.decimalPoint()));
    CsvConvertOptions convert = new CsvConvertOptions(conversion);
    if (types != null) {
      convert.setArrowSchema(types);
    }
    // No skip_rows: skipped rows are left out of the copy the reader reads (CsvCopy).
    Map<String, String> read = new HashMap<>();
    read.put("autogenerate_column_names", Boolean.toString(!options.csvHeader() || !dialect.header()));
    return new CsvFragmentScanOptions(convert, read, Map.of("delimiter", Character.toString(dialect.delimiter())));
  }

  @Override
  protected RuntimeException translate(Throwable failure) {
    ArrowReadException readFailure = readFailure(failure);
    if (readFailure != null) {
      return readFailure;
    }
    String file = files != null && currentFile >= 0 ? files.get(currentFile).getFileName().toString() : sourceName();
    boolean unfitValue = format == Format.CSV && currentUri != null && TableTypes.isUnfitValue(failure.getMessage());
    Schema columns = unfitValue ? fileColumns() : null;
    if (columns != null) {
      CsvColumnTypeException unfit = TableTypes.unfitValue(failure.getMessage(), columns, dialect, file,
          options.csvSkipRows(), options.csvColumnTypes(),
          tableSchema == null || tableFile == currentFile ? null : tableFileName(), tableSchema);
      if (unfit != null) {
        return unfit;
      }
    }
    // A later file of a directory that lacks a column of the first (Arrow: "field y not found in
    // [x: ..., z: ...]"); a parse error of its own rows gets no such hint.
    String reason = reason(failure.getMessage());
    String hint = currentFile > 0 && reason != null && reason.contains(" not found in [")
        ? "; the files of a directory are one table, each with the columns of the first, " + files.get(0).getFileName()
        : "";
    return new ArrowDataException(null, file + ": cannot read as " + format.label + " (" + reason + ")" + hint, failure);
  }

  /**
   * The reason in a message of Arrow's dataset layer, which wraps it in what it was doing ("Error
   * creating dataset. Could not read schema from '...'. Is this a 'csv' file?: Could not open CSV
   * input source '...': Invalid: CSV parse error: Row #102: Expected 3 columns, got 2: 7,8"): the
   * part after the last "Invalid: ", else the whole message.
   */
  static String reason(String message) {
    String marker = "Invalid: ";
    int at = message == null ? -1 : message.lastIndexOf(marker);
    return at < 0 ? message : message.substring(at + marker.length());
  }

  private void closeScan() throws Exception {
    try {
      AutoCloseables.close(reader, scanner, dataset, factory);
    } finally {
      reader = null;
      currentUri = null;
      fileSchema = null;
      scanner = null;
      dataset = null;
      factory = null;
      if (copy != null) {
        try {
          copy.close();
        } finally {
          copy = null;
        }
      }
    }
  }

  @Override
  protected void closeReader() throws Exception {
    closeScan();
  }
}
