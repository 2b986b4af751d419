package io.solstice.reactive.callbacks.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the two TensorBoard {@code Event} protocol-buffer messages a scalar logger needs, in
 * the protobuf wire format, without a protobuf runtime (the engine depends on nothing but the
 * core and Reactor, and these messages use four wire types). Field numbers are those of
 * TensorFlow's {@code tensorflow/core/util/event.proto} and {@code
 * tensorflow/core/framework/summary.proto}:
 *
 * <pre>
 * message Event {
 *   double wall_time = 1;          // seconds since the epoch
 *   int64 step = 2;
 *   oneof what {
 *     string file_version = 3;     // "brain.Event:2" in a file's first record
 *     Summary summary = 5;
 *   }
 * }
 * message Summary {
 *   message Value {
 *     string tag = 1;
 *     float simple_value = 2;      // a scalar, as TensorBoard's scalars dashboard reads it
 *   }
 *   repeated Value value = 1;
 * }
 * </pre>
 *
 * <p>Thread safety: stateless; safe to share.
 */
public final class TensorBoardEvents {

  /** The file version TensorBoard expects in the first event of a file. */
  public static final String FILE_VERSION = "brain.Event:2";

  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private TensorBoardEvents() {}

  /**
   * The first event of an event file: its format version.
   *
   * @param wallTime seconds since the epoch
   * @return the encoded {@code Event}
   */
  public static byte[] fileVersion(double wallTime) {
    Encoder event = new Encoder();
    event.fixed64(1, Double.doubleToRawLongBits(wallTime));
    event.bytes(3, FILE_VERSION.getBytes(StandardCharsets.UTF_8));
    return event.toByteArray();
  }

  /**
   * An event holding one scalar. TensorBoard keeps scalars as 32-bit floats ({@code
   * simple_value}), so the value is rounded to the nearest float.
   *
   * @param wallTime seconds since the epoch
   * @param step the x coordinate
   * @param tag the scalar's name, for example {@code epoch/loss}
   * @param value the value
   * @return the encoded {@code Event}
   */
  public static byte[] scalar(double wallTime, long step, String tag, double value) {
    Encoder summaryValue = new Encoder();
    summaryValue.bytes(1, tag.getBytes(StandardCharsets.UTF_8));
    summaryValue.fixed32(2, Float.floatToRawIntBits((float) value));
    Encoder summary = new Encoder();
    summary.bytes(1, summaryValue.toByteArray());
    Encoder event = new Encoder();
    event.fixed64(1, Double.doubleToRawLongBits(wallTime));
    event.varint(2, step);
    event.bytes(5, summary.toByteArray());
    return event.toByteArray();
  }

  /** The protobuf wire format's field encodings (little-endian fixed widths, base-128 varints). */
  private static final class Encoder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void varint(int field, long value) {
      tag(field, VARINT);
      rawVarint(value);
    }

    void fixed64(int field, long bits) {
      tag(field, FIXED64);
      for (int i = 0; i < 8; i++) {
        out.write((int) (bits >>> (8 * i)) & 0xff);
      }
    }

    void fixed32(int field, int bits) {
      tag(field, FIXED32);
      for (int i = 0; i < 4; i++) {
        out.write((bits >>> (8 * i)) & 0xff);
      }
    }

    void bytes(int field, byte[] value) {
      tag(field, LENGTH_DELIMITED);
      rawVarint(value.length);
      out.writeBytes(value);
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }

    private void tag(int field, int wireType) {
      rawVarint(((long) field << 3) | wireType);
    }

    /** Seven bits at a time, low first; a negative int64 takes ten bytes, as protobuf writes it. */
    private void rawVarint(long value) {
      while ((value & ~0x7fL) != 0) {
        out.write((int) ((value & 0x7f) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }
  }
}
