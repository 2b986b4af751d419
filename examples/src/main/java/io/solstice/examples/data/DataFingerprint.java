package io.solstice.examples.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * What tells a table's bytes apart, cheaply: the number of its files (the file itself, or the
 * files of a directory), their total size, and a CRC-32C over each file's name, size and first
 * and last 64 KiB. A resumed run compares it with the one its run recorded, so that it does not
 * continue on a table that changed: a row added, removed or edited near either end of a file. An
 * edit that keeps a file's size and touches neither end of a file larger than 128 KiB goes
 * unseen.
 */
public final class DataFingerprint {

  /** The key of the fingerprint in a run's preprocessing record. */
  public static final String KEY = "data_fingerprint";

  /** The bytes read at each end of a file. */
  static final int EDGE = 64 << 10;

  private DataFingerprint() {}

  /**
   * The fingerprint of a table.
   *
   * @param data a file, or a directory of files
   * @return {@code files=N bytes=B crc32c=XXXXXXXX}
   * @throws UncheckedIOException when it cannot be read
   */
  public static String of(Path data) {
    try {
      List<Path> files;
      if (Files.isDirectory(data)) {
        try (Stream<Path> listed = Files.list(data)) {
          files = listed.filter(Files::isRegularFile).sorted().toList();
        }
      } else {
        files = List.of(data);
      }
      CRC32C crc = new CRC32C();
      long bytes = 0;
      for (Path file : files) {
        long size = Files.size(file);
        bytes += size;
        crc.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(size).flip());
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
          crc.update(read(channel, 0, (int) Math.min(EDGE, size)));
          crc.update(read(channel, Math.max(0, size - EDGE), (int) Math.min(EDGE, size)));
        }
      }
      return String.format(Locale.ROOT, "files=%d bytes=%d crc32c=%08x", files.size(), bytes, crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + data + " to fingerprint it", e);
    }
  }

  private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, position + buffer.position()) < 0) {
        break;
      }
    }
    return buffer.flip();
  }
}
