package io.solstice.core.checkpoint;

import io.solstice.core.NamedArrays;
import io.solstice.core.checkpoint.internal.NpyCodec;
import io.solstice.core.checkpoint.internal.StoredZip;
import io.solstice.core.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain numpy {@code .npz} files of named arrays, for exchange with Python: {@code
 * numpy.load(path)[name]} reads what {@link #write} wrote, and {@link #read} reads what
 * {@code numpy.savez} or {@code numpy.savez_compressed} wrote (C or Fortran order, rank 0,
 * either byte order).
 *
 * <p>Use ND4J's own {@code Nd4j.createFromNpzFile} for none of this: it cannot read compressed
 * files or rank-0 entries and ignores {@code fortran_order}, and ND4J's npy writer writes wrong
 * bytes for views and f-order arrays.
 *
 * <p>Thread safety: thread-safe; it keeps no state, and each call reads or writes only the file
 * it is given.
 */
public final class Npz {

  private Npz() {}

  /**
   * Writes the arrays as an uncompressed {@code .npz}, atomically (temporary file, fsync,
   * rename). Each array becomes the entry {@code <name>.npy}, in C order; rank-0 arrays are
   * written with shape {@code (1,)}.
   *
   * @param file the destination
   * @param arrays the arrays
   * @throws UncheckedIOException when writing fails
   */
  public static void write(Path file, NamedArrays arrays) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    arrays.asMap().forEach((name, array) -> entries.put(name + ".npy", NpyCodec.encode(array)));
    try {
      AtomicFiles.write(file, out -> StoredZip.write(entries, out));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Reads every {@code .npy} entry of an {@code .npz}; other entries are ignored.
   *
   * @param file the file
   * @return the arrays by entry name without {@code .npy}, in file order, each in C order
   * @throws CheckpointException naming the file and entry when it cannot be read
   */
  public static NamedArrays read(Path file) {
    Map<String, byte[]> entries;
    try {
      entries = StoredZip.read(file);
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Map<String, INDArray> arrays = new LinkedHashMap<>();
    entries.forEach(
        (entry, bytes) -> {
          if (entry.endsWith(".npy")) {
            String name = entry.substring(0, entry.length() - 4);
            try {
              arrays.put(name, NpyCodec.decode(bytes, "entry '" + entry + "' of " + file));
            } catch (IllegalArgumentException e) {
              throw new CheckpointException(e.getMessage(), e);
            }
          }
        });
    return NamedArrays.of(arrays);
  }
}
