package io.solstice.examples.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Objects;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * How the command line writes its files (data files, reports, run records): whole or not at
 * all. The bytes go to a temporary file next to the target, are forced to the disk, and the
 * file is renamed over the target in one step; when anything fails (a full disk, a missing
 * permission) the temporary file is deleted, the target is left as it was, and the
 * {@link IOException} says which file could not be written and why, in one line.
 *
 * <p>Where the temporary file's bytes go is a {@link ChannelOpener}, so that a test can make a
 * disk fill up at a chosen point.
 */
public final class OutputFiles {

  /** The files of the local file system. */
  public static final OutputFiles LOCAL =
      new OutputFiles(temp -> FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));

  /** Opens the channel the bytes of a temporary file are written through. */
  @FunctionalInterface
  public interface ChannelOpener {
    /**
     * Creates and opens a new file for writing.
     *
     * @param temp the temporary file, which does not exist yet
     * @return a channel to it, closed by the caller
     * @throws IOException when it cannot be created
     */
    WritableByteChannel open(Path temp) throws IOException;
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

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ChannelOpener opener;

  /**
   * Files written through channels {@code opener} opens.
   *
   * @param opener opens each temporary file
   */
  public OutputFiles(ChannelOpener opener) {
    this.opener = Objects.requireNonNull(opener, "opener");
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
    Path temp = absolute.resolveSibling(
        "." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
    boolean moved = false;
    try {
      Files.createDirectories(absolute.getParent());
      try (WritableByteChannel channel = opener.open(temp)) {
        // Writers such as Arrow's close the channel they are given; the bytes must reach the
        // disk first, so they get a view whose close does nothing.
        content.writeTo(new KeptOpen(channel));
        if (channel instanceof FileChannel file) {
          file.force(true);
        }
      }
      Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
    } catch (IOException e) {
      IOException failure = new IOException("cannot write " + target + ": " + reason(e), e);
      deleteQuietly(temp, failure);
      throw failure;
    } finally {
      if (!moved) {
        deleteQuietly(temp, null);
      }
    }
  }

  /** Deletes a temporary file if it exists; a failure is added to {@code failure}, if any. */
  private static void deleteQuietly(Path temp, IOException failure) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      }
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
    writeString(target, JSON.writeValueAsString(tree) + "\n");
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
