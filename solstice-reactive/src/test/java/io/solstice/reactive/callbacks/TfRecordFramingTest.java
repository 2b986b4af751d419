package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.reactive.callbacks.internal.TensorBoardEvents;
import io.solstice.reactive.callbacks.internal.TfRecordWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TFRecord framing of TensorBoard event files, against the published CRC-32C examples
 * (RFC 3720, appendix B.4) and TensorFlow's masking definition, and read back by the test's own
 * reader.
 */
class TfRecordFramingTest {

  @TempDir Path dir;

  /** RFC 3720 B.4: 32 bytes of zeros, of ones, ascending, descending; and the classic check. */
  @Test
  void crc32cMatchesTheRfc3720VectorsInBothImplementations() {
    byte[] ascending = new byte[32];
    byte[] descending = new byte[32];
    for (int i = 0; i < 32; i++) {
      ascending[i] = (byte) i;
      descending[i] = (byte) (31 - i);
    }
    assertCrc(TfRecordReader.filled(32, 0x00), 0x8a9136aa);
    assertCrc(TfRecordReader.filled(32, 0xff), 0x62a8ab43);
    assertCrc(ascending, 0x46dd794e);
    assertCrc(descending, 0x113fdb5c);
    assertCrc(TfRecordReader.ascii("123456789"), 0xe3069283);
  }

  @Test
  void theMaskRotatesRightBy15AndAddsTheDelta() {
    // TensorFlow's crc32c.h: Mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
    assertThat(TfRecordWriter.mask(0)).isEqualTo(0xa282ead8);
    assertThat(TfRecordWriter.mask(0x8000)).isEqualTo(1 + 0xa282ead8);
    assertThat(TfRecordWriter.mask(0x8a9136aa)).isEqualTo(((0x8a9136aa >>> 15) | (0x8a9136aa << 17)) + 0xa282ead8);
    byte[] data = TfRecordReader.ascii("123456789");
    assertThat(TfRecordWriter.maskedCrc32c(data)).isEqualTo(TfRecordReader.maskedCrc32c(data));
  }

  @Test
  void recordsAreFramedWithLittleEndianLengthsAndMaskedCrcs() throws IOException {
    Path file = dir.resolve("records");
    List<byte[]> written = List.of(new byte[0], TfRecordReader.ascii("hello"), TfRecordReader.filled(300, 7));
    try (TfRecordWriter writer = new TfRecordWriter(file)) {
      for (byte[] record : written) {
        writer.write(record);
      }
    }

    assertThat(TfRecordReader.records(file)).containsExactlyElementsOf(written);
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes).hasSize(3 * 16 + 5 + 300);
    // The second record starts at 16: its length 5 as a little-endian uint64.
    assertThat(java.util.Arrays.copyOfRange(bytes, 16, 24)).containsExactly(5, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void theReaderRejectsACorruptRecord() throws IOException {
    Path file = dir.resolve("records");
    try (TfRecordWriter writer = new TfRecordWriter(file)) {
      writer.write(TfRecordReader.ascii("hello"));
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[13] ^= 1; // a bit of the data
    Files.write(file, bytes);

    assertThatThrownBy(() -> TfRecordReader.records(file)).hasMessageContaining("data CRC mismatch");
  }

  @Test
  void eventsDecodeWithProtobufsOwnParser() throws IOException {
    TfRecordReader.Event version = TfRecordReader.event(TensorBoardEvents.fileVersion(1.5e9));
    assertThat(version.fileVersion()).isEqualTo("brain.Event:2");
    assertThat(version.wallTime()).isEqualTo(1.5e9);

    TfRecordReader.Event scalar = TfRecordReader.event(TensorBoardEvents.scalar(1.25e9, 1L << 40, "epoch/loss", 0.1));
    assertThat(scalar.wallTime()).isEqualTo(1.25e9);
    assertThat(scalar.step()).isEqualTo(1L << 40);
    assertThat(scalar.fileVersion()).isNull();
    assertThat(scalar.scalars()).containsExactly(new TfRecordReader.Scalar("epoch/loss", 0.1f));
  }

  private static void assertCrc(byte[] data, int expected) {
    CRC32C jdk = new CRC32C();
    jdk.update(data);
    assertThat((int) jdk.getValue()).as("java.util.zip.CRC32C").isEqualTo(expected);
    assertThat(TfRecordReader.crc32c(data)).as("the test's bitwise CRC-32C").isEqualTo(expected);
  }
}
