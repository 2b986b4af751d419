package io.solstice.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files so that a reader (or a process restarted after a crash) sees either the old
 * file or the complete new one, never a part: the bytes go to a temporary file in the same
 * directory, are forced to the device, the file is renamed over the target in one atomic
 * step, and the directory itself is forced so that the rename survives a power loss.
 *
 * <p>Thread safety: thread-safe; it keeps no state. Two writers of the same target are not
 * coordinated.
 */
public final class AtomicFiles {

  /** The suffix of temporary files; such files are never complete checkpoints. */
  public static final String TEMP_SUFFIX = ".tmp";

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private AtomicFiles() {}

  /** What writes the new content. */
  @FunctionalInterface
  public interface Writer {
    /**
     * Writes the content.
     *
     * @param out the stream to the temporary file; do not close it
     * @throws IOException when writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Atomically replaces (or creates) {@code target} with what {@code writer} produces.
   *
   * @param target the final path
   * @param writer produces the content
   * @throws IOException when any step fails; the target is then unchanged
   */
  public static void write(Path target, Writer writer) throws IOException {
    Path directory = target.toAbsolutePath().getParent();
    // Not Files.createTempFile: it makes the file owner-only (0600), and the rename would give
    // checkpoints and logs those permissions; CREATE_NEW follows the umask like any new file.
    Path temp = directory.resolve(
        target.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + TEMP_SUFFIX);
    boolean moved = false;
    try {
      try (FileChannel channel = createTemporary(temp, target, directory)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        writer.writeTo(out);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "the file system of " + directory + " cannot rename atomically; checkpoints need a"
                + " local POSIX file system", e);
      }
      moved = true;
      forceDirectory(directory);
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Creates the temporary file; when that fails for a reason of the directory's (it does not
   * exist, or cannot be written), the error names the target, not a temporary name the caller
   * never gave.
   */
  private static FileChannel createTemporary(Path temp, Path target, Path directory) throws IOException {
    try {
      return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(target.toString(), null, "no such directory: " + directory);
    } catch (AccessDeniedException e) {
      throw new AccessDeniedException(target.toString(), null, "cannot create files in " + directory);
    }
  }

  /**
   * Forces a directory's entries (renames, deletions) to the device where the platform allows
   * it; a no-op where directories cannot be opened (Windows).
   *
   * @param directory the directory
   */
  public static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not supported on this platform: the rename is still atomic, only its durability after
      // a power loss is weaker.
    }
  }
}
