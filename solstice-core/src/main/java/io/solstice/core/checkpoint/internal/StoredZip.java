package io.solstice.core.checkpoint.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The zip container of an {@code .npz} file: entries are written uncompressed (STORED), as the
 * checkpoint format prescribes, and every entry's CRC-32 is checked on reading (the JDK does
 * not check it for stored entries).
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class StoredZip {

  private StoredZip() {}

  /**
   * Writes entries, in order, as an uncompressed zip to the stream (left open).
   *
   * @param entries entry names and contents
   * @param out the destination
   * @throws IOException when writing fails
   */
  public static void write(Map<String, byte[]> entries, OutputStream out) throws IOException {
    ZipOutputStream zip = new ZipOutputStream(new NonClosing(out));
    zip.setMethod(ZipOutputStream.STORED);
    for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
      byte[] bytes = entry.getValue();
      ZipEntry zipEntry = new ZipEntry(entry.getKey());
      zipEntry.setMethod(ZipEntry.STORED);
      zipEntry.setSize(bytes.length);
      zipEntry.setCompressedSize(bytes.length);
      zipEntry.setCrc(crc(bytes));
      zipEntry.setTime(0L);
      zip.putNextEntry(zipEntry);
      zip.write(bytes);
      zip.closeEntry();
    }
    zip.finish();
    zip.flush();
  }

  /**
   * Reads every entry of a zip (stored or deflated), checking each CRC-32.
   *
   * @param file the zip file
   * @return entry contents by name, in the archive's order
   * @throws IOException naming the file and entry when the archive is truncated or corrupt
   */
  public static Map<String, byte[]> read(Path file) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry entry = all.nextElement();
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
          bytes = in.readAllBytes();
        } catch (ZipException | java.io.EOFException e) {
          throw new ZipException(
              "entry '" + entry.getName() + "' of " + file + " is corrupt: " + e.getMessage());
        }
        if (entry.getCrc() != -1 && entry.getCrc() != crc(bytes)) {
          throw new ZipException(
              "entry '" + entry.getName() + "' of " + file + " fails its CRC-32 check (the file"
                  + " is corrupt)");
        }
        entries.put(entry.getName(), bytes);
      }
    } catch (ZipException e) {
      if (e.getMessage() != null && e.getMessage().contains(file.toString())) {
        throw e;
      }
      throw new ZipException(file + " is not a complete zip archive: " + e.getMessage());
    }
    return entries;
  }

  /**
   * Reads one entry only, checking its CRC-32.
   *
   * @param file the zip file
   * @param name the entry's name
   * @return its contents, or null when absent
   * @throws IOException when the archive is unreadable
   */
  public static byte[] readEntry(Path file, String name) throws IOException {
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry entry = zip.getEntry(name);
      if (entry == null) {
        return null;
      }
      byte[] bytes;
      try (InputStream in = zip.getInputStream(entry)) {
        bytes = in.readAllBytes();
      }
      if (entry.getCrc() != -1 && entry.getCrc() != crc(bytes)) {
        throw new ZipException("entry '" + name + "' of " + file + " fails its CRC-32 check");
      }
      return bytes;
    }
  }

  private static long crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return crc.getValue();
  }

  /** Lets the zip stream finish without closing the caller's stream. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
