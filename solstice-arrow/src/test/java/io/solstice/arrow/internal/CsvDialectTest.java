package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delimited file's dialect comes from its header line, and a decimal comma from its rows; a
 * first line of numbers is no header.
 */
class CsvDialectTest {
  @TempDir Path dir;

  @Test
  void theHeaderLineTellsTheDelimiter() {
    assertThat(CsvDialect.of("a,b;c\n1,2;3\n")).isEqualTo(CsvDialect.COMMAS);
    assertThat(CsvDialect.of("a\tb;c\n1\t2;3\n")).isEqualTo(new CsvDialect('\t', '.', true, false));
    assertThat(CsvDialect.of("a;b\n1.5;2\n")).isEqualTo(new CsvDialect(';', '.', true, false));
    assertThat(CsvDialect.of("hello world\n")).isNull();
    assertThat(CsvDialect.of("")).isNull();
  }

  @Test
  void aSemicolonFileWithDecimalCommasReadsThemAsNumbers() {
    assertThat(CsvDialect.of("a;b\n1,5;x\n2;y\n")).isEqualTo(new CsvDialect(';', ',', true, false));
    assertThat(CsvDialect.of("a;b\n\"-0,125\";x\n2;y\n").decimalPoint()).isEqualTo(',');
    assertThat(CsvDialect.of("a;b\n1,5E3;x\n2;y\n").decimalPoint()).isEqualTo(',');
    // Text with a comma is not a number; and a comma file keeps its decimal point.
    assertThat(CsvDialect.of("a;b\nann, jr;x\n2;y\n").decimalPoint()).isEqualTo('.');
    assertThat(CsvDialect.of("a,b\n\"1,5\",x\n2,y\n").decimalPoint()).isEqualTo('.');
    // The last line of a head may be cut in the middle of a number: it is not read, unless its
    // line break says it is whole, as a whole file's last line is.
    assertThat(CsvDialect.of("a;b\n2;y\n1,5").decimalPoint()).isEqualTo('.');
    assertThat(CsvDialect.of("a;b\n2;y\n1,5\n").decimalPoint()).isEqualTo(',');
  }

  @Test
  void aFirstRowOfDataTellsItsDelimiterByTheCommasBetweenDigits() {
    // No header: a comma between digits is a decimal comma where tabs or semicolons separate.
    assertThat(CsvDialect.of("1,5;2,25;yes\n0,5;1;no\n")).isEqualTo(new CsvDialect(';', ',', true, false));
    assertThat(CsvDialect.of("1,5\t2\tyes\n0\t1\tno\n")).isEqualTo(new CsvDialect('\t', ',', true, false));
    assertThat(CsvDialect.of("1,5,3\n4,5,6\n")).isEqualTo(new CsvDialect(',', '.', false, false));
    assertThat(CsvDialect.of("1,2,a;b\n")).isEqualTo(CsvDialect.COMMAS);
    assertThat(CsvDialect.of("x1,x2;y\n")).isEqualTo(CsvDialect.COMMAS);
  }

  @Test
  void aFirstLineOfNumbersOnlyOrOfOneNumberTwiceIsDataNotAHeader() {
    // scikit-learn's digits.csv.gz: pixels and a label, no header.
    assertThat(CsvDialect.of("0,0,5,13,9,1,0\n0,0,0,12,13,5,1\n").header()).isFalse();
    assertThat(CsvDialect.of("5.1,3.5,-1.4e-3,,NaN\n").header()).isFalse();
    assertThat(CsvDialect.of("1,5;2,25;7\n0,5;1;8\n")).isEqualTo(new CsvDialect(';', ',', false, false));
    // A string label: two fields alike are no header either, since Arrow refuses that.
    assertThat(CsvDialect.of("0,0,5,c0\n").header()).isFalse();
    assertThat(CsvDialect.of("5.1,3.5,1.4,0.2,setosa\n").header()).isTrue();
    // Names, some of them numbers, as years are: a header.
    assertThat(CsvDialect.of("country,2019,2020,2021\nNorway,1,2,3\n").header()).isTrue();
    assertThat(CsvDialect.of(",x1,x2,label\n0,1,2,a\n").header()).isTrue();
    // Positions as names: pandas' header for numbered columns, with and without its index.
    assertThat(CsvDialect.of(",0,1,2\n0,0.5,0.25,0.125\n").header()).isTrue();
    assertThat(CsvDialect.of("1,2,3\n7,8,9\n").header()).isTrue();
    assertThat(CsvDialect.of("0,1,3\n7,8,9\n").header()).isFalse();
    assertThat(CsvDialect.of("\"1\",\"2\"\n1,2\n").header()).isTrue();
  }

  @Test
  void aGzipFileNamedGzIsReadThroughGzip() throws IOException {
    Path file = dir.resolve("data.csv.gz");
    try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
      out.write("a;b\n1,5;2\n3;4\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    assertThat(CsvDialect.of(file, ReadOptions.defaults())).isEqualTo(new CsvDialect(';', ',', true, false));
  }

  @Test
  void aFilesDialectIsReadAfterItsSkippedRowsAndItsByteOrderMark() throws IOException {
    Path file = Files.writeString(dir.resolve("excel.csv"), "\uFEFFexported by a, spreadsheet\nx;y\n0,5;1\n3;4\n");

    assertThat(CsvDialect.of(file, ReadOptions.builder().csvSkipRows(1).build())).isEqualTo(new CsvDialect(';', ',', true, false));
    assertThat(CsvDialect.of(file, ReadOptions.defaults())).isEqualTo(CsvDialect.COMMAS);
    // A file of one row, without a line break at its end: read whole, its row is whole.
    Path oneRow = Files.writeString(dir.resolve("one.csv"), "x;y\n0,5;1");
    assertThat(CsvDialect.of(oneRow, ReadOptions.defaults())).isEqualTo(new CsvDialect(';', ',', true, false));
  }
}
