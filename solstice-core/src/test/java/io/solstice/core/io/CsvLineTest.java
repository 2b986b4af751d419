package io.solstice.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvLineTest {

  @Test
  void quotesOnlyTheCellsThatNeedIt() {
    assertThat(CsvLine.of(List.of("plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "")))
        .isEqualTo("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",\n");
  }
}
