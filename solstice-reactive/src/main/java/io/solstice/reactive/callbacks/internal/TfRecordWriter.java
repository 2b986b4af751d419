package io.solstice.reactive.callbacks.internal;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Appends records to a file in TensorFlow's TFRecord framing, the container of TensorBoard event
 * files. Each record is
 *
 * <pre>
 * uint64 length            (little-endian)
 * uint32 masked_crc(length bytes)
 * byte   data[length]
 * uint32 masked_crc(data)
 * </pre>
 *
 * where {@code masked_crc(x)} is the CRC-32C (Castagnoli) of {@code x}, rotated right by 15 bits
 * plus {@code 0xa282ead8} (TensorFlow's {@code crc32c::Mask}, which keeps a CRC of data that
 * embeds CRCs from being trivially zero). {@link #flush()} hands what was written to the
 * operating system, so a reader such as TensorBoard sees it during the run.
 *
 * <p>Not thread-safe: one writer per file, used by one thread at a time.
 */
public final class TfRecordWriter implements Closeable {

  private static final int MASK_DELTA = 0xa282ead8;

  private final OutputStream out;

  /**
   * Creates (or truncates) the file.
   *
   * @param file the file
   * @throws IOException when it cannot be created
   */
  public TfRecordWriter(Path file) throws IOException {
    this.out = new BufferedOutputStream(Files.newOutputStream(file,
        StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
  }

  /**
   * Appends one record (buffered until {@link #flush()} or {@link #close()}).
   *
   * @param data the record's bytes
   * @throws IOException when it cannot be written
   */
  public void write(byte[] data) throws IOException {
    byte[] length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
    out.write(length);
    out.write(littleEndian(maskedCrc32c(length)));
    out.write(data);
    out.write(littleEndian(maskedCrc32c(data)));
  }

  /**
   * Hands the records written so far to the operating system.
   *
   * @throws IOException when they cannot be written
   */
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /**
   * The masked CRC-32C of the bytes, as TFRecord stores it.
   *
   * @param bytes the bytes
   * @return the masked checksum
   */
  public static int maskedCrc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return mask((int) crc.getValue());
  }

  /**
   * TensorFlow's CRC mask: rotate right by 15 bits, then add {@code 0xa282ead8}.
   *
   * @param crc a CRC-32C
   * @return the masked value
   */
  public static int mask(int crc) {
    return Integer.rotateRight(crc, 15) + MASK_DELTA;
  }

  private static byte[] littleEndian(int value) {
    return ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
  }
}
