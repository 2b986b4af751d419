package io.solstice.core.checkpoint;

import io.solstice.core.NamedArrays;
import io.solstice.core.io.AtomicFiles;
import io.solstice.core.io.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes named arrays (any {@link io.solstice.core.Checkpointable}'s {@code state()}, or a
 * checkpoint's) as a <a href="https://github.com/huggingface/safetensors">safetensors</a> file,
 * the format Hugging Face's tools, PyTorch and numpy ({@code safetensors.numpy.load_file}) read:
 *
 * <pre>{@code
 * Safetensors.write(Path.of("model.safetensors"), model.state(), Map.of("source", "my run"));
 * Safetensors.write(Path.of("model.safetensors"), CheckpointStore.load(checkpointFile));
 * }</pre>
 *
 * <p>Layout: an unsigned 64-bit little-endian header length {@code N}, then {@code N} bytes of
 * UTF-8 JSON (padded with spaces to a multiple of 8 bytes), then the arrays' bytes back to back
 * in the order given. The header maps each array name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} (offsets into the data that follows the header; C order,
 * little-endian) and {@code __metadata__} to string keys and values: a checkpoint's manifest
 * (format version, library version, experiment type, time, trigger, position, callback states,
 * metrics; nested values as JSON text). Data types: F32, F64, F16, I8, I16, I32, I64, U8, BOOL;
 * a rank-0 array has shape {@code []}. The file is written whole or not at all.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class Safetensors {
  /** The header key of the string-to-string metadata. */
  public static final String METADATA = "__metadata__";

  private Safetensors() {}

  /**
   * Writes a checkpoint's arrays with its manifest as metadata.
   *
   * @param file the {@code .safetensors} file to create or replace
   * @param checkpoint a loaded checkpoint
   * @throws IOException when the file cannot be written
   */
  public static void write(Path file, Checkpoint checkpoint) throws IOException {
    write(file, checkpoint.state(), metadataOf(checkpoint.manifest()));
  }

  /**
   * Writes named arrays.
   *
   * @param file the {@code .safetensors} file to create or replace
   * @param arrays the arrays, written in their order
   * @param metadata the {@code __metadata__} entries (may be empty)
   * @throws IOException when the file cannot be written
   * @throws IllegalArgumentException when an array's data type has no safetensors equivalent
   */
  public static void write(Path file, NamedArrays arrays, Map<String, String> metadata) throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    if (!metadata.isEmpty()) {
      header.put(METADATA, new LinkedHashMap<>(metadata));
    }
    List<INDArray> dense = new ArrayList<>();
    long offset = 0;
    for (Map.Entry<String, INDArray> named : arrays.asMap().entrySet()) {
      if (named.getKey().equals(METADATA)) {
        throw new IllegalArgumentException("an array cannot be named " + METADATA);
      }
      INDArray array = named.getValue();
      long bytes = array.length() * array.dataType().width();
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("dtype", dtype(named.getKey(), array.dataType()));
      entry.put("shape", Arrays.stream(array.shape()).boxed().toList());
      entry.put("data_offsets", List.of(offset, offset + bytes));
      header.put(named.getKey(), entry);
      dense.add(array);
      offset += bytes;
    }
    byte[] json = Json.write(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    AtomicFiles.write(file, out -> {
      out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(head);
      for (INDArray array : dense) {
        out.write(littleEndianBytes(array));
      }
    });
  }

  /**
   * A checkpoint manifest as safetensors metadata: each of its fields but the array list
   * (which the header itself replaces), scalars as text and nested values as JSON.
   *
   * @param manifest the manifest
   * @return the metadata, in the manifest's order
   */
  public static Map<String, String> metadataOf(CheckpointManifest manifest) {
    Map<String, String> out = new LinkedHashMap<>();
    manifest.toJson().forEach((key, value) -> {
      if (!key.equals("arrays")) {
        out.put(key, value instanceof Map<?, ?> || value instanceof List<?>
            ? new String(Json.write(value), StandardCharsets.UTF_8) : String.valueOf(value));
      }
    });
    return out;
  }

  private static String dtype(String name, DataType type) {
    return switch (type) {
      case FLOAT -> "F32";
      case DOUBLE -> "F64";
      case HALF -> "F16";
      case BYTE -> "I8";
      case SHORT -> "I16";
      case INT -> "I32";
      case LONG -> "I64";
      case UBYTE -> "U8";
      case BOOL -> "BOOL";
      default -> throw new IllegalArgumentException("array '" + name + "' is " + type
          + ", which safetensors cannot hold here; cast it to FLOAT, DOUBLE, INT or LONG");
    };
  }

  /** The array's values in C order, little-endian, whatever its order, view or the platform's. */
  private static byte[] littleEndianBytes(INDArray array) {
    int width = array.dataType().width();
    long length = array.length() * width;
    if (length > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("array of " + array.length() + " elements is too large (2 GiB limit)");
    }
    byte[] out = new byte[(int) length];
    if (length == 0) {
      return out;
    }
    // dup('c') yields a fresh, dense, C-order buffer starting at offset 0.
    INDArray dense = array.dup('c');
    try {
      ByteBuffer data = dense.data().asNio().order(ByteOrder.nativeOrder());
      data.position(0).limit((int) length);
      data.get(out);
    } finally {
      dense.close();
    }
    if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN && width > 1) {
      for (int i = 0; i < out.length; i += width) {
        for (int a = i, b = i + width - 1; a < b; a++, b--) {
          byte t = out[a];
          out[a] = out[b];
          out[b] = t;
        }
      }
    }
    return out;
  }
}
