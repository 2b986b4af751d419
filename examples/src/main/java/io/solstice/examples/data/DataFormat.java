package io.solstice.examples.data;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.ReadOptions;
import io.solstice.examples.cli.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/** The file formats a user's table can come in, told apart by their first bytes. */
public enum DataFormat {
  /** Arrow IPC file (random access), which starts with {@code ARROW1}. */
  IPC_FILE,
  /** Arrow IPC stream: anything that is neither of the others. */
  IPC_STREAM,
  /** Parquet, which starts with {@code PAR1}; or a directory of Parquet files. */
  PARQUET;

  private static final byte[] ARROW_MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PARQUET_MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  /**
   * Detects the format of a file from its magic bytes (a directory is read as Parquet files).
   *
   * @param path the file or directory
   * @return the format
   * @throws UsageException when there is no such file or it cannot be read
   */
  public static DataFormat detect(Path path) {
    if (Files.isDirectory(path)) {
      return PARQUET;
    }
    if (!Files.isRegularFile(path)) {
      throw new UsageException("no such file: " + path);
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(path)) {
      head = in.readNBytes(ARROW_MAGIC.length);
    } catch (IOException e) {
      throw new UsageException("cannot read " + path + ": " + e.getMessage());
    }
    if (Arrays.equals(head, ARROW_MAGIC)) {
      return IPC_FILE;
    }
    if (head.length >= PARQUET_MAGIC.length
        && Arrays.equals(Arrays.copyOf(head, PARQUET_MAGIC.length), PARQUET_MAGIC)) {
      return PARQUET;
    }
    return IPC_STREAM;
  }

  /**
   * Reads the file in this format.
   *
   * @param path the file (or, for Parquet, a directory)
   * @param allocator the consumer's allocator
   * @param options batch size
   * @return the batches
   */
  public Flux<ArrowBatch> open(Path path, BufferAllocator allocator, ReadOptions options) {
    return switch (this) {
      case IPC_FILE -> ArrowSources.ipcFile(path, allocator, options);
      case IPC_STREAM -> ArrowSources.ipcStream(path, allocator, options);
      case PARQUET -> ArrowSources.parquet(absolute(path), allocator, options);
    };
  }

  private static Path absolute(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
