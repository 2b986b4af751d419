package io.solstice.core.checkpoint;

import io.solstice.core.NamedArrays;
import io.solstice.core.SolsticeVersion;
import io.solstice.core.checkpoint.internal.NpyCodec;
import io.solstice.core.checkpoint.internal.NpyDType;
import io.solstice.core.checkpoint.internal.StoredZip;
import io.solstice.core.io.AtomicFiles;
import io.solstice.core.io.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of checkpoints, written so that a crash at any moment leaves the latest complete
 * checkpoint loadable.
 *
 * <p>Layout: each checkpoint is one uncompressed {@code .npz} file named {@code
 * ckpt-<train steps, 12 digits>.npz} holding one C-order {@code .npy} entry per array (named
 * {@code <array name>.npy}, so {@code numpy.load(f)["layer0/W"]} works) plus {@code
 * manifest.json}. A text file {@code latest} names the newest checkpoint.
 *
 * <p>Write protocol: the {@code .npz} is written to a temporary file in the same directory
 * ({@code *.tmp}), forced to disk and atomically renamed; only then is {@code latest} replaced
 * the same way; only after that may older checkpoints be deleted. A crash before the first
 * rename leaves a temporary file that loading ignores; a crash between the two renames leaves
 * {@code latest} naming the previous, still present checkpoint.
 *
 * <p>Loading ({@link #loadLatest()}) reads the file {@code latest} names and verifies it; if the
 * pointer is missing or its file does not verify, it falls back to the other checkpoints from
 * the newest down, skipping (and logging) any that fail verification. Verification checks the
 * zip's CRC-32 of every entry, the manifest, and the SHA-256 of every array recorded in the
 * manifest, so a truncated or bit-flipped file is refused, never loaded.
 *
 * <p>A store assumes a single writer per directory. Instances are thread-safe for writing from
 * one background thread while another thread reads.
 */
public final class CheckpointStore {

  /** The name of the pointer file. */
  public static final String LATEST = "latest";

  private static final Logger LOG = LoggerFactory.getLogger("solstice");
  private static final Pattern FILE_NAME = Pattern.compile("ckpt-(\\d{12})\\.npz");

  private final Path directory;

  private CheckpointStore(Path directory) {
    this.directory = directory;
  }

  /**
   * Opens (creating if needed) a checkpoint directory.
   *
   * @param directory the directory
   * @return the store
   * @throws UncheckedIOException when the directory cannot be created
   */
  public static CheckpointStore open(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create checkpoint directory " + directory, e);
    }
    return new CheckpointStore(directory.toAbsolutePath());
  }

  /**
   * The directory.
   *
   * @return its absolute path
   */
  public Path directory() {
    return directory;
  }

  /**
   * The file name of the checkpoint for a number of train steps.
   *
   * @param trainSteps train steps done
   * @return the file name, for example {@code ckpt-000000000120.npz}
   */
  public static String fileName(long trainSteps) {
    return String.format("ckpt-%012d.npz", trainSteps);
  }

  /**
   * Writes a checkpoint atomically and makes it the latest. A checkpoint with the same number
   * of train steps is replaced.
   *
   * @param state the arrays; read, never modified (pass a snapshot when another thread keeps
   *     training)
   * @param manifest the counters and metadata; its version, time and array list are filled in
   * @return the checkpoint file
   * @throws CheckpointException when writing fails (the previous latest checkpoint stays)
   */
  public Path write(NamedArrays state, CheckpointManifest manifest) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    List<CheckpointManifest.ArrayEntry> arrays = new ArrayList<>();
    for (Map.Entry<String, INDArray> array : state.asMap().entrySet()) {
      String name = array.getKey();
      String entry = name + ".npy";
      if (entry.equals(CheckpointManifest.ENTRY_NAME) || entries.containsKey(entry)) {
        throw new CheckpointException("array name '" + name + "' cannot be stored in a checkpoint");
      }
      byte[] npy;
      try {
        npy = NpyCodec.encode(array.getValue());
      } catch (IllegalArgumentException e) {
        throw new CheckpointException("array '" + name + "': " + e.getMessage(), e);
      }
      INDArray value = array.getValue();
      List<Long> shape = new ArrayList<>();
      for (long dim : value.rank() == 0 ? new long[] {1} : value.shape()) {
        shape.add(dim);
      }
      arrays.add(new CheckpointManifest.ArrayEntry(
          name, entry, NpyDType.of(value.dataType()).descr(java.nio.ByteOrder.nativeOrder()),
          shape, sha256(npy)));
      entries.put(entry, npy);
    }
    CheckpointManifest complete =
        manifest.completed(SolsticeVersion.get(), Instant.now().toString(), arrays);
    entries.put(CheckpointManifest.ENTRY_NAME, Json.write(complete.toJson()));
    Path file = directory.resolve(fileName(manifest.position().trainSteps()));
    try {
      AtomicFiles.write(file, out -> StoredZip.write(entries, out));
      AtomicFiles.write(
          directory.resolve(LATEST),
          out -> out.write((file.getFileName() + "\n").getBytes(StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new CheckpointException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * The checkpoint files present, oldest first (by train steps). Temporary files of interrupted
   * writes are never listed. Files are not verified.
   *
   * @return the files
   */
  public List<Path> list() {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> all = Files.newDirectoryStream(directory, "ckpt-*.npz")) {
      for (Path file : all) {
        if (FILE_NAME.matcher(file.getFileName().toString()).matches()) {
          files.add(file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoint directory " + directory, e);
    }
    files.sort(null);
    return files;
  }

  /**
   * The file the {@code latest} pointer names, if the pointer exists and the file is present.
   *
   * @return the file
   */
  public Optional<Path> latestPointer() {
    try {
      String name = Files.readString(directory.resolve(LATEST), StandardCharsets.UTF_8).trim();
      Matcher matcher = FILE_NAME.matcher(name);
      Path file = directory.resolve(name);
      return matcher.matches() && Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + directory.resolve(LATEST), e);
    }
  }

  /**
   * Loads the newest complete checkpoint: the one {@code latest} names, or, when that is
   * missing or fails verification, the newest other one that verifies.
   *
   * @return the checkpoint, or empty when the directory holds none that verifies
   */
  public Optional<Checkpoint> loadLatest() {
    List<Path> candidates = new ArrayList<>();
    latestPointer().ifPresent(candidates::add);
    List<Path> others = list();
    for (int i = others.size() - 1; i >= 0; i--) {
      if (!candidates.contains(others.get(i))) {
        candidates.add(others.get(i));
      }
    }
    for (Path file : candidates) {
      try {
        return Optional.of(load(file));
      } catch (CheckpointException e) {
        LOG.warn("skipping checkpoint that does not verify: {}", e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Reads and verifies one checkpoint file.
   *
   * @param file the {@code .npz}
   * @return the checkpoint
   * @throws CheckpointException naming the file and array when the file is incomplete, corrupt,
   *     or an array does not match its checksum, type or shape in the manifest
   */
  public static Checkpoint load(Path file) {
    Map<String, byte[]> entries;
    try {
      entries = StoredZip.read(file);
    } catch (IOException e) {
      throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
    CheckpointManifest manifest = parseManifest(file, entries.remove(CheckpointManifest.ENTRY_NAME));
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    for (CheckpointManifest.ArrayEntry entry : manifest.arrays()) {
      byte[] npy = entries.remove(entry.entry());
      String what = "array '" + entry.name() + "' in checkpoint " + file;
      if (npy == null) {
        throw new CheckpointException(what + " is missing (no entry " + entry.entry() + ")");
      }
      if (!sha256(npy).equals(entry.sha256())) {
        throw new CheckpointException(what + " fails its SHA-256 checksum: the file is corrupt");
      }
      INDArray array;
      try {
        array = NpyCodec.decode(npy, what);
      } catch (IllegalArgumentException e) {
        throw new CheckpointException(e.getMessage(), e);
      }
      List<Long> shape = Arrays.stream(array.shape()).boxed().toList();
      if (!shape.equals(entry.shape())
          || !NpyDType.of(array.dataType()).equals(NpyDType.parse(entry.dtype()).type())) {
        throw new CheckpointException(
            what + " is " + NpyDType.of(array.dataType()) + shape + " but the manifest says "
                + entry.dtype() + entry.shape());
      }
      arrays.put(entry.name(), array);
    }
    if (!entries.isEmpty()) {
      throw new CheckpointException(
          "checkpoint " + file + " holds entries the manifest does not list: " + entries.keySet());
    }
    return new Checkpoint(file, manifest, NamedArrays.of(arrays));
  }

  /**
   * Reads only the manifest of a checkpoint (cheap: the arrays are not read or verified).
   *
   * @param file the {@code .npz}
   * @return its manifest
   * @throws CheckpointException when it cannot be read
   */
  public static CheckpointManifest readManifest(Path file) {
    try {
      return parseManifest(file, StoredZip.readEntry(file, CheckpointManifest.ENTRY_NAME));
    } catch (IOException e) {
      throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes a checkpoint, unless it is the one {@code latest} names.
   *
   * @param file the checkpoint file
   * @return whether it was deleted
   */
  public boolean delete(Path file) {
    if (latestPointer().map(file.toAbsolutePath()::equals).orElse(false)) {
      return false;
    }
    try {
      return Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete checkpoint " + file, e);
    }
  }

  private static CheckpointManifest parseManifest(Path file, byte[] json) {
    if (json == null) {
      throw new CheckpointException(
          "checkpoint " + file + " has no " + CheckpointManifest.ENTRY_NAME
              + " (not a Solstice checkpoint, or written incompletely)");
    }
    try {
      return CheckpointManifest.fromJson(Json.readObject(json));
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(
          "checkpoint " + file + " has an unreadable " + CheckpointManifest.ENTRY_NAME + ": "
              + e.getMessage(), e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
