package io.solstice.reactive.callbacks;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads TensorBoard event files back without the writer's code: its own TFRecord framing reader
 * with a bitwise CRC-32C (checked against RFC 3720's vectors in {@link TfRecordFramingTest}),
 * and protobuf-java's generic {@link UnknownFieldSet} to decode the {@code Event} messages by
 * the field numbers of TensorFlow's {@code event.proto} and {@code summary.proto}. Shared with
 * the examples' tests through this module's test jar.
 */
public final class TfRecordReader {

  /** One decoded {@code Event}. */
  public record Event(double wallTime, long step, String fileVersion, List<Scalar> scalars) {}

  /** One {@code Summary.Value} with a {@code simple_value}. */
  public record Scalar(String tag, float value) {}

  private TfRecordReader() {}

  /** The records of a file, each with both CRCs checked. */
  public static List<byte[]> records(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> records = new ArrayList<>();
    while (in.hasRemaining()) {
      byte[] lengthBytes = new byte[8];
      in.get(lengthBytes);
      int lengthCrc = in.getInt();
      if (lengthCrc != maskedCrc32c(lengthBytes)) {
        throw new IOException("length CRC mismatch in record " + records.size() + " of " + file);
      }
      long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      byte[] data = new byte[Math.toIntExact(length)];
      in.get(data);
      int dataCrc = in.getInt();
      if (dataCrc != maskedCrc32c(data)) {
        throw new IOException("data CRC mismatch in record " + records.size() + " of " + file);
      }
      records.add(data);
    }
    return records;
  }

  /** The events of a file. */
  public static List<Event> events(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    for (byte[] record : records(file)) {
      events.add(event(record));
    }
    return events;
  }

  static Event event(byte[] bytes) throws InvalidProtocolBufferException {
    UnknownFieldSet event = UnknownFieldSet.parseFrom(bytes);
    double wallTime = Double.longBitsToDouble(only(event.getField(1).getFixed64List(), 0L));
    long step = only(event.getField(2).getVarintList(), 0L);
    ByteString version = only(event.getField(3).getLengthDelimitedList(), null);
    List<Scalar> scalars = new ArrayList<>();
    ByteString summaryBytes = only(event.getField(5).getLengthDelimitedList(), null);
    if (summaryBytes != null) {
      for (ByteString valueBytes : UnknownFieldSet.parseFrom(summaryBytes).getField(1).getLengthDelimitedList()) {
        UnknownFieldSet value = UnknownFieldSet.parseFrom(valueBytes);
        String tag = only(value.getField(1).getLengthDelimitedList(), null).toStringUtf8();
        int bits = only(value.getField(2).getFixed32List(), null);
        scalars.add(new Scalar(tag, Float.intBitsToFloat(bits)));
      }
    }
    return new Event(wallTime, step, version == null ? null : version.toStringUtf8(), scalars);
  }

  private static <T> T only(List<T> values, T absent) {
    if (values.size() > 1) {
      throw new IllegalStateException("a singular field occurs " + values.size() + " times");
    }
    return values.isEmpty() ? absent : values.get(0);
  }

  /** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
  static int crc32c(byte[] bytes) {
    int crc = 0xffffffff;
    for (byte b : bytes) {
      crc ^= b & 0xff;
      for (int bit = 0; bit < 8; bit++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
    }
    return ~crc;
  }

  /** TensorFlow's {@code crc32c::Mask}: {@code ((crc >> 15) | (crc << 17)) + 0xa282ead8}. */
  static int maskedCrc32c(byte[] bytes) {
    int crc = crc32c(bytes);
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }

  static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] filled(int length, int value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }
}
