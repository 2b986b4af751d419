package io.solstice.arrow.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A delimited file's dialect comes from its header line, and a decimal comma from its rows. */
class CsvDialectTest {
  @TempDir Path dir;

  @Test
  void theHeaderLineTellsTheDelimiter() {
    assertThat(CsvDialect.of("a,b;c\n1,2;3\n")).isEqualTo(CsvDialect.COMMAS);
    assertThat(CsvDialect.of("a\tb;c\n1\t2;3\n")).isEqualTo(new CsvDialect('\t', '.'));
    assertThat(CsvDialect.of("a;b\n1.5;2\n")).isEqualTo(new CsvDialect(';', '.'));
    assertThat(CsvDialect.of("hello world\n")).isNull();
    assertThat(CsvDialect.of("")).isNull();
  }

  @Test
  void aSemicolonFileWithDecimalCommasReadsThemAsNumbers() {
    assertThat(CsvDialect.of("a;b\n1,5;x\n2;y\n")).isEqualTo(new CsvDialect(';', ','));
    assertThat(CsvDialect.of("a;b\n\"-0,125\";x\n2;y\n").decimalPoint()).isEqualTo(',');
    assertThat(CsvDialect.of("a;b\n1,5E3;x\n2;y\n").decimalPoint()).isEqualTo(',');
    // Text with a comma is not a number; and a comma file keeps its decimal point.
    assertThat(CsvDialect.of("a;b\nann, jr;x\n2;y\n").decimalPoint()).isEqualTo('.');
    assertThat(CsvDialect.of("a,b\n\"1,5\",x\n2,y\n").decimalPoint()).isEqualTo('.');
    // The last line of a head may be cut in the middle of a number: it is not read.
    assertThat(CsvDialect.of("a;b\n2;y\n1,5").decimalPoint()).isEqualTo('.');
  }

  @Test
  void aFirstRowOfDataTellsItsDelimiterByTheCommasBetweenDigits() {
    // No header: a comma between digits is a decimal comma where tabs or semicolons separate.
    assertThat(CsvDialect.of("1,5;2,25;yes\n0,5;1;no\n")).isEqualTo(new CsvDialect(';', ','));
    assertThat(CsvDialect.of("1,5\t2\tyes\n0\t1\tno\n")).isEqualTo(new CsvDialect('\t', ','));
    assertThat(CsvDialect.of("1,2,3\n4,5,6\n")).isEqualTo(CsvDialect.COMMAS);
    assertThat(CsvDialect.of("1,2,a;b\n")).isEqualTo(CsvDialect.COMMAS);
    assertThat(CsvDialect.of("x1,x2;y\n")).isEqualTo(CsvDialect.COMMAS);
  }

  @Test
  void aFilesDialectIsReadAfterItsSkippedRowsAndItsByteOrderMark() throws IOException {
    Path file = Files.writeString(dir.resolve("excel.csv"), "\uFEFFexported by a, spreadsheet\nx;y\n0,5;1\n3;4\n");

    assertThat(CsvDialect.of(file, 1)).isEqualTo(new CsvDialect(';', ','));
    assertThat(CsvDialect.of(file, 0)).isEqualTo(CsvDialect.COMMAS);
  }
}
