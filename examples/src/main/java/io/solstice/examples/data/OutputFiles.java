package io.solstice.examples.data;

import io.solstice.core.io.AtomicFiles;
import io.solstice.core.io.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How the command line writes its files (data files, reports, run records): whole or not at
 * all, through {@link AtomicFiles} (a temporary file next to the target, forced to the disk and
 * renamed over the target in one step); when anything fails (a full disk, a missing
 * permission) the temporary file is deleted, the target is left as it was, and the
 * {@link IOException} says which file could not be written and why, in one line.
 *
 * <p>The bytes pass through a {@link ChannelFilter} on their way to the file, so that a test can
 * make a disk fill up at a chosen point.
 */
public final class OutputFiles {

  /**
   * What hands its commands their output files (the command line's root command): commands
   * ask it through this interface, so they need not know the root command.
   */
  public interface Source {
    /**
     * The output files of the commands under this one.
     *
     * @return how they write their files
     */
    OutputFiles output();
  }


  /** The files of the local file system, as they are. */
  public static final OutputFiles LOCAL = new OutputFiles((target, channel) -> channel);

  /** What the bytes of a file pass through on their way to the disk. */
  @FunctionalInterface
  public interface ChannelFilter {
    /**
     * The channel the content of {@code target} is written to.
     *
     * @param target the file being written
     * @param channel the channel to its temporary file
     * @return {@code channel}, or a channel that writes to it
     */
    WritableByteChannel filter(Path target, WritableByteChannel channel);
  }

  /** Writes a file's content. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the content.
     *
     * @param channel where it goes; do not close it
     * @throws IOException when writing fails
     */
    void writeTo(WritableByteChannel channel) throws IOException;
  }


  private final ChannelFilter filter;

  /**
   * Files whose bytes pass through {@code filter}.
   *
   * @param filter sees each file's channel before its content does
   */
  public OutputFiles(ChannelFilter filter) {
    this.filter = Objects.requireNonNull(filter, "filter");
  }

  /**
   * Replaces (or creates) {@code target}, and any missing parent directories, with what
   * {@code content} writes.
   *
   * @param target the file to write
   * @param content its content
   * @throws IOException "cannot write TARGET: CAUSE", with the target unchanged
   */
  public void write(Path target, Content content) throws IOException {
    Path absolute = target.toAbsolutePath();
    try {
      Files.createDirectories(absolute.getParent());
      // Writers such as Arrow's close the channel they are given; the bytes must reach the disk
      // first, so they get a view whose close does nothing.
      AtomicFiles.write(absolute,
          out -> content.writeTo(new KeptOpen(filter.filter(target, Channels.newChannel(out)))));
    } catch (IOException e) {
      throw new IOException("cannot write " + target + ": " + reason(e), e);
    }
  }

  /**
   * Replaces (or creates) a text file with UTF-8 text.
   *
   * @param target the file to write
   * @param text its content
   * @throws IOException "cannot write TARGET: CAUSE", with the target unchanged
   */
  public void writeString(Path target, String text) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    write(target, channel -> {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
    });
  }

  /**
   * Replaces (or creates) a JSON file, indented, with a tree of maps, lists, strings, numbers
   * and booleans (written by the Jackson copy ND4J ships, which the checkpoints use too).
   *
   * @param target the file to write
   * @param tree its content
   * @throws IOException "cannot write TARGET: CAUSE", with the target unchanged
   */
  public void writeJson(Path target, Object tree) throws IOException {
    writeString(target, Json.writeString(tree) + "\n");
  }

  /** A channel whose close is left to its owner. */
  private record KeptOpen(WritableByteChannel channel) implements WritableByteChannel {
    @Override
    public int write(ByteBuffer src) throws IOException {
      return channel.write(src);
    }

    @Override
    public boolean isOpen() {
      return channel.isOpen();
    }

    @Override
    public void close() {}
  }

  /**
   * What went wrong, in words: the operating system's reason for a file-system error, else the
   * exception's message. The file is named only when it is not the one the caller names.
   *
   * @param e the failure
   * @return a short reason
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException fs) {
      return fs.getReason() != null ? fs.getReason()
          : e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof NotDirectoryException ? "not a directory"
          // From creating the parent directories: a file stands where a directory should be.
          : e instanceof FileAlreadyExistsException ? fs.getFile() + " exists and is not a directory"
          : e.getClass().getSimpleName();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
