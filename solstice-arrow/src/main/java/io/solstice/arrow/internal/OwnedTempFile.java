package io.solstice.arrow.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A temporary file that no process leaves behind for good. While it exists, its process holds
 * a lock on a file beside it ({@code NAME.lock}); a process killed before it could delete the
 * file (kill -9, the kernel's out-of-memory killer, a scheduler's kill after its grace period)
 * leaves both behind, but the operating system releases the lock with the process, so the next
 * file made in the same directory, by any process, deletes them. Unlike a process id, a lock
 * also holds across processes of other PID namespaces (containers) that share the directory.
 *
 * <p>Thread safety: {@link #create} may be called from any thread; each file is closed once, by
 * its owner.
 */
final class OwnedTempFile implements AutoCloseable {
  private static final String LOCK_SUFFIX = ".lock";

  /**
   * The lock files this JVM holds. Closing any channel on a file releases every lock the process
   * holds on it, so the sweep never opens these.
   */
  private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

  private final Path file;
  private final Path lockFile;
  private final FileChannel lockChannel;

  private OwnedTempFile(Path file, Path lockFile, FileChannel lockChannel) {
    this.file = file;
    this.lockFile = lockFile;
    this.lockChannel = lockChannel;
  }

  /**
   * Deletes what gone processes left in the directory, then makes a new, empty file there.
   *
   * @param directory the directory, such as {@code java.io.tmpdir}
   * @param prefix the start of the file's name, which also names what the sweep looks for
   * @param suffix the end of its name, such as {@code .csv}
   * @return the file, locked
   * @throws IOException when the file or its lock cannot be made
   */
  static OwnedTempFile create(Path directory, String prefix, String suffix) throws IOException {
    deleteLeftBehind(directory, prefix);
    while (true) {
      Path file = directory.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + suffix);
      Path lockFile = file.resolveSibling(file.getFileName() + LOCK_SUFFIX);
      // Marked held before it exists, so that no sweep of this JVM opens it; made before the
      // file, since a sweep only ever deletes a file whose lock file it could lock.
      HELD.add(lockFile.toAbsolutePath());
      FileChannel channel;
      try {
        channel = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (IOException e) {
        HELD.remove(lockFile.toAbsolutePath());
        if (e instanceof FileAlreadyExistsException) {
          continue;
        }
        throw e;
      }
      try {
        channel.lock();
        Files.createFile(file);
        return new OwnedTempFile(file, lockFile, channel);
      } catch (IOException | RuntimeException e) {
        channel.close();
        Files.deleteIfExists(lockFile);
        HELD.remove(lockFile.toAbsolutePath());
        if (e instanceof FileAlreadyExistsException) {
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * Deletes each file of this prefix whose lock no process holds, and its lock file. A file
   * whose lock file cannot be opened (another user's) is left alone.
   *
   * @param directory the directory
   * @param prefix the start of the names
   */
  static void deleteLeftBehind(Path directory, String prefix) {
    try (DirectoryStream<Path> locks = Files.newDirectoryStream(directory, prefix + "*" + LOCK_SUFFIX)) {
      for (Path lockFile : locks) {
        if (!HELD.contains(lockFile.toAbsolutePath())) {
          deleteIfUnlocked(lockFile);
        }
      }
    } catch (IOException e) {
      // Nothing to sweep where the directory cannot be listed; the new file will say why.
    }
  }

  private static void deleteIfUnlocked(Path lockFile) {
    String name = lockFile.getFileName().toString();
    Path file = lockFile.resolveSibling(name.substring(0, name.length() - LOCK_SUFFIX.length()));
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock != null) {
        Files.deleteIfExists(file);
        Files.deleteIfExists(lockFile);
      }
    } catch (IOException | OverlappingFileLockException e) {
      // Another user's file, or one deleted meanwhile by its owner or another sweep.
    }
  }

  /**
   * The file.
   *
   * @return its path
   */
  Path path() {
    return file;
  }

  /** Deletes the file, then releases and deletes its lock. */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(file);
    } finally {
      HELD.remove(lockFile.toAbsolutePath());
      try {
        lockChannel.close();
      } finally {
        Files.deleteIfExists(lockFile);
      }
    }
  }
}
