package io.solstice.arrow.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The first bytes of a table file as its reader sees them. Arrow's CSV and JSON readers
 * decompress a file whose name ends in {@code .gz}, so the head of such a file is read through
 * gzip too: the format and the CSV dialect are told from the text inside, not from the
 * compressed bytes.
 */
public final class FileHead {
  /** The extension by which Arrow's readers decompress a file, as in {@code data.csv.gz}. */
  public static final String GZIP_EXTENSION = ".gz";

  private static final int BUFFER = 1 << 16;

  private FileHead() {}

  /**
   * The first bytes of a file, decompressed when it is gzip-compressed and named {@code *.gz}.
   *
   * @param file the file
   * @param max the most bytes to read
   * @return up to {@code max} bytes
   * @throws IOException when the file cannot be read, or its compressed start is corrupt
   */
  public static byte[] read(Path file, int max) throws IOException {
    try (InputStream in = open(file)) {
      return in.readNBytes(max);
    }
  }

  /**
   * The file's bytes as its reader sees them, decompressed when it is gzip-compressed and named
   * {@code *.gz}; buffered.
   *
   * @param file the file
   * @return a stream to close
   * @throws IOException when the file cannot be opened, or its compressed start is corrupt
   */
  public static InputStream open(Path file) throws IOException {
    InputStream raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
    try {
      if (!namedGzip(file)) {
        return raw;
      }
      raw.mark(2);
      byte[] magic = raw.readNBytes(2);
      raw.reset();
      return isGzip(magic) ? new GZIPInputStream(raw, BUFFER) : raw;
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /**
   * Whether bytes start as gzip-compressed data does.
   *
   * @param head a file's first bytes
   * @return true when they hold gzip's magic number
   */
  public static boolean isGzip(byte[] head) {
    return head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
  }

  /**
   * Whether Arrow's readers decompress the file, by its name.
   *
   * @param file the file
   * @return true when its name ends in {@code .gz}
   */
  public static boolean namedGzip(Path file) {
    return file.getFileName().toString().endsWith(GZIP_EXTENSION);
  }
}
