package io.solstice.core.checkpoint.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes single arrays in numpy's {@code .npy} format.
 *
 * <p>Written here rather than taken from ND4J because ND4J's own npy code writes wrong bytes
 * for views and f-order arrays and ignores {@code fortran_order} when reading. The writer
 * always copies the array to C order first ({@code dup('c')}) and writes format version 1.0
 * with the header padded so that the data starts on a 64-byte boundary. Rank-0 arrays are
 * written with shape {@code (1,)}, as the checkpoint format prescribes.
 *
 * <p>The reader accepts versions 1.0, 2.0 and 3.0, both byte orders, C and Fortran order and
 * rank-0 arrays, and always returns a C-order array that owns its memory.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class NpyCodec {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGNMENT = 64;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyCodec() {}

  /**
   * Encodes an array as a complete {@code .npy} file.
   *
   * @param array any array: a view, f-order or rank 0 is fine
   * @return the file's bytes
   * @throws IllegalArgumentException when the data type has no numpy equivalent
   */
  public static byte[] encode(INDArray array) {
    NpyDType type = NpyDType.of(array.dataType());
    long[] shape = array.rank() == 0 ? new long[] {1} : array.shape();
    long length = array.length();
    long dataBytes = length * type.size();
    if (dataBytes > Integer.MAX_VALUE - 4096) {
      throw new IllegalArgumentException(
          "array of " + length + " elements is too large for one .npy entry (2 GiB limit)");
    }
    ByteOrder order = ByteOrder.nativeOrder();
    byte[] header = header(type.descr(order), shape);
    byte[] out = new byte[header.length + (int) dataBytes];
    System.arraycopy(header, 0, out, 0, header.length);
    if (dataBytes > 0) {
      // dup('c') always yields a fresh, dense, C-order buffer starting at offset 0.
      INDArray dense = array.dup('c');
      ByteBuffer data = dense.data().asNio().order(order);
      data.position(0).limit((int) dataBytes);
      data.get(out, header.length, (int) dataBytes);
      dense.close();
    }
    return out;
  }

  private static byte[] header(String descr, long[] shape) {
    StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      dict.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : i < shape.length - 1 ? ", " : "");
    }
    dict.append("), }");
    int preamble = MAGIC.length + 2 + 2;
    int unpadded = preamble + dict.length() + 1;
    int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
    dict.append(" ".repeat(padding)).append('\n');
    byte[] text = dict.toString().getBytes(StandardCharsets.US_ASCII);
    if (text.length > 0xFFFF) {
      throw new IllegalArgumentException("npy header too long for format 1.0: rank " + shape.length);
    }
    ByteBuffer buffer = ByteBuffer.allocate(preamble + text.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
    return buffer.array();
  }

  /**
   * Decodes a complete {@code .npy} file.
   *
   * @param bytes the file's bytes
   * @param what a name for error messages, for example {@code "array 'layer0/W' in ckpt.npz"}
   * @return a C-order array owning its memory
   * @throws IllegalArgumentException naming {@code what} when the bytes are not a valid,
   *     complete npy file of a supported type
   */
  public static INDArray decode(byte[] bytes, String what) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < MAGIC.length + 4
        || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
      throw new IllegalArgumentException(what + " is not a .npy array (bad magic bytes)");
    }
    int major = bytes[6];
    buffer.position(8);
    int headerLength;
    if (major == 1) {
      headerLength = Short.toUnsignedInt(buffer.getShort());
    } else if (major == 2 || major == 3) {
      headerLength = buffer.getInt();
    } else {
      throw new IllegalArgumentException(what + " has unsupported .npy version " + major);
    }
    int dataStart = buffer.position() + headerLength;
    if (headerLength < 0 || dataStart > bytes.length) {
      throw new IllegalArgumentException(what + " is truncated inside its .npy header");
    }
    String header =
        new String(bytes, buffer.position(), headerLength,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    NpyDType.Parsed type;
    try {
      type = NpyDType.parse(group(DESCR, header, what));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
    boolean fortran = group(FORTRAN, header, what).equals("True");
    long[] shape = parseShape(group(SHAPE, header, what), what);
    long length = 1;
    for (long dim : shape) {
      length = Math.multiplyExact(length, dim);
    }
    long dataBytes = length * type.type().size();
    if (bytes.length - dataStart != dataBytes) {
      throw new IllegalArgumentException(
          what + " should hold " + dataBytes + " data bytes for shape " + Arrays.toString(shape)
              + " but holds " + (bytes.length - dataStart));
    }
    if (length == 0) {
      return Nd4j.create(type.type().nd4j(), shape);
    }
    char order = fortran ? 'f' : 'c';
    if (type.type() == NpyDType.BOOL) {
      // Nd4j.createBuffer(ByteBuffer, BOOL, n) misreads the bytes; go through boolean[].
      boolean[] values = new boolean[(int) length];
      for (int i = 0; i < values.length; i++) {
        values[i] = bytes[dataStart + i] != 0;
      }
      INDArray flat = Nd4j.createFromArray(values);
      return shape.length == 0 ? flat.reshape(new long[0]) : flat.reshape(order, shape).dup('c');
    }
    // ND4J buffers must come from direct memory in native order (a heap buffer crashes the JVM).
    ByteBuffer data = ByteBuffer.allocateDirect((int) dataBytes).order(ByteOrder.nativeOrder());
    copySwapping(bytes, dataStart, (int) dataBytes, type.order(), type.type().size(), data);
    data.rewind();
    DataBuffer nd4jBuffer = Nd4j.createBuffer(data, type.type().nd4j(), (int) length);
    INDArray array =
        Nd4j.create(nd4jBuffer, shape, Nd4j.getStrides(shape, order), 0, order, type.type().nd4j());
    return fortran ? array.dup('c') : array;
  }

  private static void copySwapping(
      byte[] source, int offset, int count, ByteOrder sourceOrder, int size, ByteBuffer target) {
    if (size == 1 || sourceOrder == ByteOrder.nativeOrder()) {
      target.put(source, offset, count);
      return;
    }
    byte[] element = new byte[size];
    for (int i = 0; i < count; i += size) {
      for (int b = 0; b < size; b++) {
        element[b] = source[offset + i + size - 1 - b];
      }
      target.put(element);
    }
  }

  private static String group(Pattern pattern, String header, String what) {
    Matcher matcher = pattern.matcher(header);
    if (!matcher.find()) {
      throw new IllegalArgumentException(
          what + " has a .npy header without " + pattern.pattern().split("'")[1] + ": " + header.trim());
    }
    return matcher.group(1);
  }

  private static long[] parseShape(String text, String what) {
    String[] parts = text.split(",");
    return Arrays.stream(parts)
        .map(String::trim)
        .filter(part -> !part.isEmpty())
        .mapToLong(
            part -> {
              try {
                long dim = Long.parseLong(part.endsWith("L") ? part.substring(0, part.length() - 1) : part);
                if (dim < 0) {
                  throw new NumberFormatException("negative");
                }
                return dim;
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " has an invalid shape (" + text + ")", e);
              }
            })
        .toArray();
  }
}
