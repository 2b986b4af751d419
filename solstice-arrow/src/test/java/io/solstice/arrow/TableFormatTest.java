package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formats told apart by content; CSV and JSON lines read through Arrow's dataset scanner. */
class TableFormatTest {
  @TempDir Path dir;
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  private Path text(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  /** Each batch's schema and the rows as lists of values. */
  private List<List<Object>> rows(TableFormat format, Path path, ReadOptions options, List<String> schema) {
    List<List<Object>> rows = new ArrayList<>();
    format.read(path, allocator, options).doOnNext(batch -> {
      try (batch) {
        schema.add(batch.schema().toString());
        for (int r = 0; r < batch.rowCount(); r++) {
          List<Object> row = new ArrayList<>();
          for (var v : batch.root().getFieldVectors()) {
            Object value = v.getObject(r);
            row.add(value == null ? null : value instanceof org.apache.arrow.vector.util.Text t ? t.toString() : value);
          }
          rows.add(row);
        }
      }
    }).blockLast();
    return rows;
  }

  @Test
  void tellsEveryFormatByContentWhateverTheFileIsCalled() throws IOException {
    Path ipcFile = TestData.writeIpcFile(dir, "a.csv", allocator, 1, 3);
    Path ipcStream = TestData.writeIpcStream(dir, "b.parquet", allocator, 1, 3);
    Path csv = text("c.arrow", "x,y\n1,2\n");
    Path jsonLines = text("d.txt", "{\"x\": 1}\n{\"x\": 2}\n");
    Path csvDirectory = Files.createDirectory(dir.resolve("parts"));
    text("parts/part-0.csv", "x\n1\n");

    assertThat(TableFormat.detect(ipcFile)).isEqualTo(TableFormat.IPC_FILE);
    assertThat(TableFormat.detect(ipcStream)).isEqualTo(TableFormat.IPC_STREAM);
    assertThat(TableFormat.detect(csv)).isEqualTo(TableFormat.CSV);
    assertThat(TableFormat.detect(jsonLines)).isEqualTo(TableFormat.JSON_LINES);
    assertThat(TableFormat.detect(csvDirectory)).isEqualTo(TableFormat.CSV);
  }

  @Test
  void aFileInNoSupportedFormatIsRefusedWithWhatItLooksLike() throws IOException {
    Path words = text("w.txt", "hello world\n");
    Path array = text("a.json", "[{\"x\": 1}]");
    Path empty = text("e.csv", "");
    // Arrow's readers decompress a file by its name: without .gz, and for Parquet, they cannot.
    Path gzip = gzip("g.dat", "x,y\n1,2\n".getBytes(StandardCharsets.UTF_8));
    Path parquetGzip = gzip("p.parquet.gz", new byte[] {'P', 'A', 'R', '1', 0x15, 0x04, 0x00, (byte) 0x9c});
    Path binary = Files.write(dir.resolve("b.bin"), new byte[] {0x00, 0x01, (byte) 0xfe, 0x7f, 0x00, 0x00, 0x00, 0x09});

    Map<Path, String> looksLike = new LinkedHashMap<>();
    looksLike.put(words, "it looks like text without commas, tabs or semicolons, starting \"hello world\"");
    looksLike.put(array, "it looks like a JSON array");
    looksLike.put(empty, "it looks like an empty file");
    looksLike.put(gzip, "it looks like gzip-compressed data (Solstice reads a compressed CSV or JSON-lines file named "
        + "*.gz, for example data.csv.gz; decompress any other)");
    looksLike.put(parquetGzip, "it looks like gzip-compressed Parquet, and only CSV and JSON lines are read compressed: "
        + "decompress it first");
    looksLike.put(binary, "it looks like binary data starting with bytes 00 01 fe 7f 00 00 00 09");
    looksLike.forEach((file, expected) -> assertThatThrownBy(() -> TableFormat.detect(file))
        .isInstanceOf(ArrowDataException.class)
        .hasMessageStartingWith(file + " is not in a format Solstice reads (Arrow IPC file, Arrow IPC stream, "
            + "Parquet, CSV or JSON lines (newline-delimited JSON))")
        .hasMessageContaining(expected));
    assertThatThrownBy(() -> TableFormat.detect(dir.resolve("nowhere.csv"))).hasMessageContaining("no such file");
  }

  @Test
  void textInAnotherEncodingIsRefusedNamingTheOneItIsProbablyIn() throws IOException {
    // Excel's "CSV" on Windows (Windows-1252: 0xE9 is é) and its "Unicode Text" (UTF-16 with a BOM).
    Charset windows1252 = Charset.forName("windows-1252");
    Path excel = Files.write(dir.resolve("excel.csv"), "city;temp\nCaf\u00e9town;1\n".getBytes(windows1252));
    Path unicode = Files.write(dir.resolve("excel.txt"), "\uFEFFcity\ttemp\n".getBytes(StandardCharsets.UTF_16LE));
    Path compressed = gzip("excel.csv.gz", "city;temp\nCaf\u00e9town;1\n".getBytes(windows1252));

    for (Path file : List.of(excel, compressed)) {
      assertThatThrownBy(() -> TableFormat.detect(file)).isInstanceOfSatisfying(TextEncodingException.class,
          e -> assertThat(e.likelyEncoding()).isEqualTo(windows1252))
          .hasMessage(file + " is text in an encoding other than UTF-8, probably windows-1252 (as Excel saves \"CSV\" "
              + "on Windows; or Latin-1): read it in that encoding (ReadOptions.Builder.csvEncoding), or save it as "
              + "UTF-8 (in Excel: \"CSV UTF-8\")");
      assertThat(TableFormat.detect(file, ReadOptions.builder().csvEncoding(windows1252).build()))
          .isEqualTo(TableFormat.CSV);
    }
    assertThatThrownBy(() -> TableFormat.detect(unicode)).isInstanceOfSatisfying(TextEncodingException.class,
        e -> assertThat(e.what()).isEqualTo(unicode + " is text in UTF-16 (as Excel saves \"Unicode Text\")"));
  }

  private Path gzip(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content);
    }
    return file;
  }

  @Test
  void csvAndJsonLinesNamedGzAreReadCompressedAlsoInADirectory() throws IOException {
    String csv = "count;weight;name\n1;2,5;ann\n2;3,5;bob\n";
    Path compressed = gzip("t.csv.gz", csv.getBytes(StandardCharsets.UTF_8));
    Path jsonLines = gzip("t.jsonl.gz", "{\"count\": 1, \"name\": \"ann\"}\n".getBytes(StandardCharsets.UTF_8));

    assertThat(TableFormat.detect(compressed)).isEqualTo(TableFormat.CSV);
    assertThat(TableFormat.detect(jsonLines)).isEqualTo(TableFormat.JSON_LINES);
    List<String> schema = new ArrayList<>();
    assertThat(rows(TableFormat.CSV, compressed, ReadOptions.builder().build(), schema))
        .containsExactly(List.of(1L, 2.5, "ann"), List.of(2L, 3.5, "bob"));
    assertThat(rows(TableFormat.JSON_LINES, jsonLines, ReadOptions.builder().build(), new ArrayList<>()))
        .containsExactly(List.of(1L, "ann"));

    Path directory = Files.createDirectory(dir.resolve("parts"));
    gzip("parts/a.csv.gz", csv.getBytes(StandardCharsets.UTF_8));
    Files.writeString(directory.resolve("b.csv"), "count;weight;name\n3;4,5;cy\n");
    assertThat(TableFormat.detect(directory)).isEqualTo(TableFormat.CSV);
    assertThat(rows(TableFormat.CSV, directory, ReadOptions.builder().build(), new ArrayList<>()))
        .containsExactly(List.of(1L, 2.5, "ann"), List.of(2L, 3.5, "bob"), List.of(3L, 4.5, "cy"));
  }

  @Test
  void aFileOfADirectoryWithOtherColumnsThanTheFirstIsNamedWithTheFirst() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("mixed"));
    Files.writeString(directory.resolve("a.csv"), "x,y\n1,2\n");
    Files.writeString(directory.resolve("b.csv"), "x,z\n3,4\n");

    assertThatThrownBy(() -> rows(TableFormat.CSV, directory, ReadOptions.builder().build(), new ArrayList<>()))
        .isInstanceOf(ArrowDataException.class)
        .hasMessageStartingWith("b.csv: cannot read as CSV (")
        .hasMessageEndingWith("; the files of a directory are one table, each with the columns of the first, a.csv");
  }

  @Test
  void aRowWithTooFewFieldsIsNamedWithoutTheDatasetLayersWrapping() throws IOException {
    Path ragged = text("ragged.csv", "x,y\n1,2\n7\n3,4\n");

    assertThatThrownBy(() -> rows(TableFormat.CSV, ragged, ReadOptions.builder().build(), new ArrayList<>()))
        .isInstanceOf(ArrowDataException.class)
        .hasMessageStartingWith("ragged.csv: cannot read as CSV (CSV parse error: Row #3: Expected 2 columns, got 1: 7)");
    // A later file of a directory with a bad row of its own: its error, without a hint about columns.
    Path directory = Files.createDirectory(dir.resolve("parts"));
    Files.writeString(directory.resolve("a.csv"), "x,y\n1,2\n");
    Files.copy(ragged, directory.resolve("b.csv"));
    assertThatThrownBy(() -> rows(TableFormat.CSV, directory, ReadOptions.builder().build(), new ArrayList<>()))
        .isInstanceOf(ArrowDataException.class)
        .hasMessage("b.csv: cannot read as CSV (CSV parse error: Row #3: Expected 2 columns, got 1: 7)");
  }

  @Test
  void aDescriptionSaysHowAFileIsReadWhereThatIsNotPlain() throws IOException {
    ReadOptions defaults = ReadOptions.builder().build();
    Path plain = text("plain.csv", "a,b\n1,2\n");
    Path european = text("european.csv", "a;b\n1,5;2\n");
    Path tabs = gzip("tabs.tsv.gz", "5\t2\n3\t4\n".getBytes(StandardCharsets.UTF_8));
    Path jsonLines = gzip("rows.jsonl.gz", "{\"a\": 1}\n".getBytes(StandardCharsets.UTF_8));

    assertThat(TableFormat.CSV.describe(plain, defaults)).isEqualTo("CSV");
    assertThat(TableFormat.CSV.describe(plain, ReadOptions.builder().csvHeader(false).build()))
        .isEqualTo("CSV, no header");
    assertThat(TableFormat.CSV.describe(european, defaults)).isEqualTo("CSV, semicolons, decimal commas");
    assertThat(TableFormat.CSV.describe(tabs, defaults)).isEqualTo("CSV, tabs, no header, gzip-compressed");
    assertThat(TableFormat.JSON_LINES.describe(jsonLines, defaults)).isEqualTo("JSON lines, gzip-compressed");
    assertThat(TableFormat.CSV.describe(dir, defaults)).isEqualTo("CSV");
  }

  @Test
  void aCsvFileWhoseFirstLineIsDataHasColumnsNamedByPosition() throws IOException {
    // scikit-learn's digits.csv.gz starts this way: pixels, then the label, no header.
    Path numbers = text("n.csv", "0,0,5,1\n0,1,0,2\n");
    Path labelled = text("l.csv", "0,0,5,c1\n0,1,0,c2\n");

    for (Path file : List.of(numbers, labelled)) {
      List<String> schema = new ArrayList<>();
      List<List<Object>> rows = rows(TableFormat.CSV, file, ReadOptions.builder().build(), schema);
      assertThat(rows).as(file.toString()).hasSize(2);
      assertThat(schema.get(0)).as(file.toString()).startsWith("Schema<f0: Int(64, true), f1: Int(64, true), f2: ");
    }
  }

  @Test
  void readsCsvWithAHeaderAndInfersIntegersFloatsAndStrings() throws IOException {
    Path csv = text("t.csv", "count,weight,name\n1,2.5,ann\n2,3.5,bob\n3,,\"c, d\"\n");
    List<String> schema = new ArrayList<>();

    List<List<Object>> rows = rows(TableFormat.CSV, csv, ReadOptions.builder().batchSize(2).build(), schema);

    assertThat(schema.get(0)).isEqualTo("Schema<count: Int(64, true), weight: FloatingPoint(DOUBLE), name: Utf8>");
    assertThat(rows).containsExactly(List.of(1L, 2.5, "ann"), List.of(2L, 3.5, "bob"),
        java.util.Arrays.asList(3L, null, "c, d"));
  }

  @Test
  void readsTabAndSemicolonSeparatedTextAndDecimalCommasAsCsv() throws IOException {
    Path tabs = text("t.tsv", "count\tweight\tname\n1\t2.5\tann, jr\n2\t3.5\tbob\n");
    Path semicolons = text("s.csv", "count;weight;name\n1;2,5;ann, jr\n2;3,5;bob\n");
    Path semicolonsWithPoints = text("p.csv", "count;weight;name\n1;2.5;ann, jr\n2;3.5;bob\n");

    for (Path file : List.of(tabs, semicolons, semicolonsWithPoints)) {
      assertThat(TableFormat.detect(file)).as(file.toString()).isEqualTo(TableFormat.CSV);
      List<String> schema = new ArrayList<>();
      assertThat(rows(TableFormat.CSV, file, ReadOptions.builder().build(), schema)).as(file.toString())
          .containsExactly(List.of(1L, 2.5, "ann, jr"), List.of(2L, 3.5, "bob"));
      assertThat(schema.get(0)).isEqualTo("Schema<count: Int(64, true), weight: FloatingPoint(DOUBLE), name: Utf8>");
    }

    // Without a header, the first row's commas between digits are decimal commas.
    Path headless = text("h.csv", "1;2,5;ann\n2;3,5;bob\n");
    List<String> schema = new ArrayList<>();
    assertThat(rows(TableFormat.CSV, headless, ReadOptions.builder().csvHeader(false).build(), schema))
        .containsExactly(List.of(1L, 2.5, "ann"), List.of(2L, 3.5, "bob"));
  }

  @Test
  void readsCsvWithExplicitColumnTypesOrWithoutAHeaderAfterSkippedRows() throws IOException {
    Path csv = text("t.csv", "count,weight,name\n1,2.5,7\n2,3.5,8\n");
    List<String> schema = new ArrayList<>();
    ReadOptions typed = ReadOptions.builder().csvColumnTypes(Map.of(
        "name", new ArrowType.Utf8(), "weight", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))).build();

    assertThat(rows(TableFormat.CSV, csv, typed, schema)).containsExactly(List.of(1L, 2.5f, "7"), List.of(2L, 3.5f, "8"));
    assertThat(schema.get(0)).isEqualTo("Schema<count: Int(64, true), weight: FloatingPoint(SINGLE), name: Utf8>");

    // A first line that is not a header (scikit-learn's bundled CSVs start with counts).
    Path counts = text("iris-like.csv", "2,2,setosa\n5.1,3.5,0\n4.9,3.0,1\n");
    schema.clear();
    ReadOptions headless = ReadOptions.builder().csvSkipRows(1).csvHeader(false).build();
    assertThat(rows(TableFormat.CSV, counts, headless, schema)).containsExactly(List.of(5.1, 3.5, 0L),
        List.of(4.9, 3.0, 1L));
    assertThat(schema.get(0)).isEqualTo("Schema<f0: FloatingPoint(DOUBLE), f1: FloatingPoint(DOUBLE), f2: Int(64, true)>");
    // A skipped row with other fields than the table, as UCI's adult.test starts.
    Path preamble = text("adult.test.csv", "|1x3 Cross validator\nage,class\n25,<=50K.\n38,>50K.\n");
    schema.clear();
    assertThat(TableFormat.detect(preamble, ReadOptions.builder().csvSkipRows(1).build())).isEqualTo(TableFormat.CSV);
    assertThat(rows(TableFormat.CSV, preamble, ReadOptions.builder().csvSkipRows(1).build(), schema))
        .containsExactly(List.of(25L, "<=50K."), List.of(38L, ">50K."));
    assertThat(schema.get(0)).isEqualTo("Schema<age: Int(64, true), class: Utf8>");
  }

  @Test
  void readsNewlineDelimitedJson() throws IOException {
    Path json = text("t.jsonl", "{\"x\": 1.5, \"k\": 2, \"s\": \"a\"}\n{\"x\": 2.5, \"k\": 3, \"s\": \"b\"}\n");
    List<String> schema = new ArrayList<>();

    assertThat(rows(TableFormat.JSON_LINES, json, ReadOptions.defaults(), schema))
        .containsExactly(List.of(1.5, 2L, "a"), List.of(2.5, 3L, "b"));
    assertThat(schema.get(0)).isEqualTo("Schema<x: FloatingPoint(DOUBLE), k: Int(64, true), s: Utf8>");
  }

  @Test
  void missingValueMarkersAreReadAsMissingWhileEmptyCellsStayMissing() throws IOException {
    // UCI's layout: ", " between fields, "?" for a missing value, no header; CRLF line ends.
    String text = "39, 13, ?, State-gov\r\n50, ?, 2.5, \"?\"\r\n?, 9, , \"a, ?\"\r\n";
    List<Path> files = List.of(text("uci.csv", text), gzip("uci.csv.gz", text.getBytes(StandardCharsets.UTF_8)));
    ReadOptions marked = ReadOptions.builder().csvHeader(false).csvMissingValues(List.of("?")).build();

    for (Path file : files) {
      List<String> schema = new ArrayList<>();
      List<List<Object>> rows = rows(TableFormat.CSV, file, marked, schema);
      assertThat(schema.get(0)).as(file.toString()).isEqualTo(
          "Schema<f0: Int(64, true), f1: Int(64, true), f2: FloatingPoint(DOUBLE), f3: Utf8>");
      // A marker inside a quoted cell is text; a quoted marker is the marker.
      assertThat(rows).as(file.toString()).containsExactly(Arrays.asList(39L, 13L, null, "State-gov"),
          Arrays.asList(50L, null, 2.5, ""), Arrays.asList(null, 9L, null, "a, ?"));
    }
    assertThat(TableFormat.CSV.describe(files.get(1), marked))
        .isEqualTo("CSV, a space after each comma, no header, '?' as missing, gzip-compressed");
    // The copy the reader read is gone once the file has been read.
    try (var temporary = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(temporary.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("solstice-missing-"));
    }
    // Without the marker, those columns are text.
    List<String> schema = new ArrayList<>();
    rows(TableFormat.CSV, files.get(0), ReadOptions.builder().csvHeader(false).build(), schema);
    assertThat(schema.get(0)).isEqualTo("Schema<f0: Utf8, f1: Utf8, f2: Utf8, f3: Utf8>");
  }

  @Test
  void theSpaceAfterEachCommaIsNoPartOfTheCells() throws IOException {
    Path spaced = text("spaced.csv", "age, work class, note\n39, State-gov, \"a, b\"\n50, Private, \n");

    List<String> schema = new ArrayList<>();
    assertThat(rows(TableFormat.CSV, spaced, ReadOptions.defaults(), schema))
        .containsExactly(List.of(39L, "State-gov", "a, b"), List.of(50L, "Private", ""));
    assertThat(schema.get(0)).isEqualTo("Schema<age: Int(64, true), work class: Utf8, note: Utf8>");
    assertThat(TableFormat.CSV.describe(spaced, ReadOptions.defaults())).isEqualTo("CSV, a space after each comma");
  }

  @Test
  void csvInAnotherEncodingIsReadInItOnceNamed() throws IOException {
    // Excel's "CSV" on Windows in Windows-1252 (0xE9 is é), and its "Unicode Text" in UTF-16 with a
    // BOM, each long enough to be read in several buffers of the copy.
    StringBuilder text = new StringBuilder("ville;t\u00e9mp\n");
    for (int i = 0; i < 20_000; i++) {
      text.append(i % 2 == 0 ? "Caf\u00e9town" : "Z\u00fcrich").append(';').append(i).append(",5\n");
    }
    Charset windows1252 = Charset.forName("windows-1252");
    Path excel = Files.write(dir.resolve("excel.csv"), text.toString().getBytes(windows1252));
    Path unicode = Files.write(dir.resolve("unicode.txt"), ("\uFEFF" + text.toString().replace(';', '\t'))
        .getBytes(StandardCharsets.UTF_16LE));

    for (Path file : List.of(excel, unicode)) {
      Charset encoding = file == excel ? windows1252 : StandardCharsets.UTF_16;
      assertThat(TableFormat.detect(file, ReadOptions.builder().csvEncoding(encoding).build()))
          .isEqualTo(TableFormat.CSV);
      ReadOptions options = ReadOptions.builder().csvEncoding(encoding).build();
      List<String> schema = new ArrayList<>();
      List<List<Object>> rows = rows(TableFormat.CSV, file, options, schema);
      assertThat(schema.get(0)).as(file.toString()).isEqualTo("Schema<ville: Utf8, t\u00e9mp: FloatingPoint(DOUBLE)>");
      assertThat(rows).as(file.toString()).hasSize(20_000);
      assertThat(rows.get(0)).isEqualTo(List.of("Caf\u00e9town", 0.5));
      assertThat(rows.get(19_999)).isEqualTo(List.of("Z\u00fcrich", 19_999.5));
    }
    assertThat(TableFormat.CSV.describe(excel, ReadOptions.builder().csvEncoding(windows1252).build()))
        .isEqualTo("CSV, semicolons, decimal commas, windows-1252");
  }

  @Test
  void aHeaderCellThatIsAMarkerKeepsItsNameAndAFirstRowWithMarkersIsData() throws IOException {
    Path header = text("h.csv", "x,?\n1,?\n2,3\n");
    Path headless = text("n.csv", "1,?\n2,3\n");
    ReadOptions marked = ReadOptions.builder().csvMissingValues(List.of("?", "n/k")).build();

    List<String> schema = new ArrayList<>();
    assertThat(rows(TableFormat.CSV, header, marked, schema)).containsExactly(Arrays.asList(1L, null), List.of(2L, 3L));
    assertThat(schema.get(0)).isEqualTo("Schema<x: Int(64, true), ?: Int(64, true)>");
    schema.clear();
    assertThat(rows(TableFormat.CSV, headless, marked, schema)).containsExactly(Arrays.asList(1L, null), List.of(2L, 3L));
    assertThat(schema.get(0)).isEqualTo("Schema<f0: Int(64, true), f1: Int(64, true)>");
  }

  @Test
  void aMarkerThatCouldNotBeACellIsRefused() {
    for (String marker : List.of("", " ", "a,b", "x;y", "\"?\"", "?\n")) {
      assertThatThrownBy(() -> ReadOptions.builder().csvMissingValues(List.of(marker)))
          .as(marker).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aValueThatTheTypeInferredFromTheFirstRowsCannotHoldNamesTheTypeThatHoldsIt() throws IOException {
    // Arrow infers from the first megabyte: integers there, a decimal and a word further down.
    StringBuilder rows = new StringBuilder("count,name\n");
    for (int i = 0; i < 150_000; i++) {
      rows.append(i % 1000).append(",ann\n");
    }
    Path decimal = text("decimal.csv", rows + "2.5,bob\n");
    Path word = text("word.csv", rows + "many,bob\n");
    ArrowType float64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    assertThatThrownBy(() -> rows(TableFormat.CSV, decimal, ReadOptions.defaults(), new ArrayList<>()))
        .isInstanceOfSatisfying(CsvColumnTypeException.class, e -> {
          assertThat(e.column()).isEqualTo("count");
          assertThat(e.readAs()).isEqualTo(new ArrowType.Int(64, true));
          assertThat(e.neededType()).isEqualTo(float64);
          assertThat(e.what()).isEqualTo("row 150,002 of decimal.csv (counting from its first line) holds '2.5', which"
              + " int64 (inferred from the file's first rows) cannot hold");
        })
        .hasMessageEndingWith(": read it as float64 (ReadOptions.Builder.csvColumnTypes)");
    assertThatThrownBy(() -> rows(TableFormat.CSV, word, ReadOptions.defaults(), new ArrayList<>()))
        .isInstanceOfSatisfying(CsvColumnTypeException.class,
            e -> assertThat(e.neededType()).isEqualTo(ArrowType.Utf8.INSTANCE));

    // Read with the type it names, the file is read to its end.
    List<String> schema = new ArrayList<>();
    List<List<Object>> read = rows(TableFormat.CSV, decimal,
        ReadOptions.builder().csvColumnTypes(Map.of("count", float64)).build(), schema);
    assertThat(read).hasSize(150_001);
    assertThat(read.get(150_000)).containsExactly(2.5, "bob");
    assertThat(schema).containsOnly("Schema<count: FloatingPoint(DOUBLE), name: Utf8>");
    // Rows skipped before the header count in the row named.
    Path preamble = text("preamble.csv", "exported 2026-12-06\n" + rows + "2.5,bob\n");
    assertThatThrownBy(() -> rows(TableFormat.CSV, preamble, ReadOptions.builder().csvSkipRows(1).build(),
        new ArrayList<>()))
        .hasMessageContaining("row 150,003 of preamble.csv (counting from its first line) holds '2.5'");
  }

  @Test
  void theFilesOfADirectoryAreReadWithTheTypesOfTheFirst() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("parts"));
    Files.writeString(directory.resolve("a.csv"), "x,weight,note\n1,2.5,big\n2,3.5,small\n");
    // Read alone, its weight would be int64 and its note of type null.
    Files.writeString(directory.resolve("b.csv"), "x,weight,note\n3,4,\n4,5,\n");
    List<String> schema = new ArrayList<>();

    List<List<Object>> read = rows(TableFormat.CSV, directory, ReadOptions.defaults(), schema);

    assertThat(schema).containsOnly("Schema<x: Int(64, true), weight: FloatingPoint(DOUBLE), note: Utf8>");
    // An empty cell of text is an empty string, as in a single file.
    assertThat(read).containsExactly(List.of(1L, 2.5, "big"), List.of(2L, 3.5, "small"), List.of(3L, 4.0, ""),
        List.of(4L, 5.0, ""));
  }

  @Test
  void aLaterFileWhoseValuesTheFirstFilesTypesCannotHoldNamesTheTypeThatHoldsThem() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("parts"));
    Files.writeString(directory.resolve("a.csv"), "x,note\n1,\n2,\n");
    Files.writeString(directory.resolve("b.csv"), "x,note\n3,\n4.5,\n");
    Files.writeString(directory.resolve("c.csv"), "x,note\n5,late\n");
    ArrowType float64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);

    assertThatThrownBy(() -> rows(TableFormat.CSV, directory, ReadOptions.defaults(), new ArrayList<>()))
        .isInstanceOfSatisfying(CsvColumnTypeException.class, e -> {
          assertThat(e.column()).isEqualTo("x");
          assertThat(e.neededType()).isEqualTo(float64);
          assertThat(e.what()).isEqualTo("row 3 of b.csv (counting from its first line) holds '4.5', which int64 (the"
              + " column's type in a.csv) cannot hold");
        });
    ReadOptions xFloat = ReadOptions.builder().csvColumnTypes(Map.of("x", float64)).build();
    // The first file left the note empty in every row, so its batches went out with a column of
    // type null, which c.csv's text cannot join.
    assertThatThrownBy(() -> rows(TableFormat.CSV, directory, xFloat, new ArrayList<>()))
        .isInstanceOfSatisfying(CsvColumnTypeException.class, e -> {
          assertThat(e.column()).isEqualTo("note");
          assertThat(e.readAs()).isEqualTo(ArrowType.Null.INSTANCE);
          assertThat(e.neededType()).isEqualTo(ArrowType.Utf8.INSTANCE);
          assertThat(e.what()).isEqualTo("a.csv leaves it empty in every row, and c.csv holds string values");
        });
    List<String> schema = new ArrayList<>();
    Map<String, ArrowType> both = new LinkedHashMap<>(Map.of("x", float64, "note", ArrowType.Utf8.INSTANCE));
    assertThat(rows(TableFormat.CSV, directory, ReadOptions.builder().csvColumnTypes(both).build(), schema))
        .containsExactly(List.of(1.0, ""), List.of(2.0, ""), List.of(3.0, ""), List.of(4.5, ""), List.of(5.0, "late"));
    assertThat(schema).containsOnly("Schema<x: FloatingPoint(DOUBLE), note: Utf8>");
  }

  @Test
  void aMalformedCsvFileIsADataErrorNamingTheFile() throws IOException {
    Path csv = text("bad.csv", "a,b\n1,2\n3,4,5\n");
    assertThatThrownBy(() -> rows(TableFormat.CSV, csv, ReadOptions.defaults(), new ArrayList<>()))
        .isInstanceOf(ArrowDataException.class)
        .hasMessageContaining("bad.csv: cannot read as CSV");
  }
}
