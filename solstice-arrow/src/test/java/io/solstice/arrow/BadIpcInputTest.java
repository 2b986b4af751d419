package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.flatbuffers.FlatBufferBuilder;
import io.solstice.arrow.internal.MessageCheck;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.impl.UnionListWriter;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowFooter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Corrupt, truncated and hostile IPC bytes: a typed {@link CorruptIpcException}, never a crash,
 * a hang, a huge allocation or a leaked buffer.
 */
class BadIpcInputTest {
  private static final long HUGE = 1L << 40;

  private static byte[] validStream(RootAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TestData.writeIpcStream(bytes, allocator, 3, 20);
    return bytes.toByteArray();
  }

  private static byte[] validFile(RootAllocator allocator, Path dir) throws IOException {
    return Files.readAllBytes(TestData.writeIpcFile(dir, "valid.arrow", allocator, 3, 20));
  }

  /** Reads every batch, closing each; returns the rows read. */
  private static long drain(Flux<ArrowBatch> source) {
    return source.map(b -> {
      try (b) {
        return (long) b.rowCount();
      }
    }).reduce(0L, Long::sum).block(Duration.ofSeconds(20));
  }

  /** The schema message of a stream: its first framed message. */
  private static byte[] schemaMessage(byte[] stream) {
    ByteBuffer b = ByteBuffer.wrap(stream).order(ByteOrder.LITTLE_ENDIAN);
    int metadata = b.getInt(4);
    return Arrays.copyOf(stream, 8 + metadata);
  }

  /** A framed record batch message that declares {@code bodyLength} body bytes and carries none. */
  private static byte[] recordBatchDeclaring(long bodyLength) {
    FlatBufferBuilder fb = new FlatBufferBuilder();
    RecordBatch.startNodesVector(fb, 0);
    int nodes = fb.endVector();
    RecordBatch.startBuffersVector(fb, 0);
    int buffers = fb.endVector();
    int batch = RecordBatch.createRecordBatch(fb, 10, nodes, buffers, 0, 0);
    int message = Message.createMessage(fb, MetadataVersion.V5, MessageHeader.RecordBatch, batch, bodyLength, 0);
    fb.finish(message);
    byte[] metadata = fb.sizedByteArray();
    int padded = (metadata.length + 7) / 8 * 8;
    ByteBuffer framed = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    framed.putInt(-1).putInt(padded).put(metadata);
    return framed.array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /**
   * A stream of one dictionary-encoded column {@code code} whose dictionary holds the values
   * 10, 20, 30 as integers of {@code valueBits} bits, and one batch of its three indices.
   */
  private static byte[] intDictionaryStream(RootAllocator allocator, int valueBits) throws IOException {
    DictionaryEncoding encoding = new DictionaryEncoding(1, false, new ArrowType.Int(32, true));
    ArrowType valueType = new ArrowType.Int(valueBits, true);
    // In memory, a dictionary-encoded column holds its indices; the writer puts the values' type
    // in the stream's schema.
    Schema schema = new Schema(List.of(new Field("code", new FieldType(false, encoding.getIndexType(), encoding),
        null)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (BaseIntVector values = (BaseIntVector) new Field("code-values", FieldType.notNullable(valueType), null)
            .createVector(allocator);
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ((FieldVector) values).allocateNew();
      IntVector indices = (IntVector) root.getVector("code");
      indices.allocateNew(3);
      for (int i = 0; i < 3; i++) {
        values.setUnsafeWithPossibleTruncate(i, 10L * (i + 1));
        indices.set(i, i);
      }
      ((FieldVector) values).setValueCount(3);
      root.setRowCount(3);
      DictionaryProvider.MapDictionaryProvider provider = new DictionaryProvider.MapDictionaryProvider();
      provider.put(new Dictionary((FieldVector) values, encoding));
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, provider, bytes)) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void aDictionaryBatchTooSmallForItsValueTypeIsRefusedBeforeArrowLoadsIt(@TempDir Path dir) throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      // A schema whose dictionary holds 64-bit values, with a dictionary batch of 32-bit ones: the
      // values' buffer holds half the bytes the schema needs.
      List<IpcMessages.Framed> narrow = IpcMessages.parseStream(intDictionaryStream(allocator, 32));
      List<IpcMessages.Framed> wide = IpcMessages.parseStream(intDictionaryStream(allocator, 64));
      List<IpcMessages.Framed> lying = List.of(wide.get(0), narrow.get(1), narrow.get(2));
      Schema wideSchema = MessageCheck.schema(wide.get(0).message(), "test");
      Path file = Files.write(dir.resolve("lying.arrow"), IpcMessages.file(lying, wideSchema));
      byte[] stream = IpcMessages.stream(lying);
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(file, allocator),
          ArrowSources.ipcStream("lying", () -> new ByteArrayInputStream(stream), allocator,
              ReadOptions.defaults()))) {
        assertThatThrownBy(() -> drain(source))
            .isInstanceOf(CorruptIpcException.class)
            .hasMessageContaining("dictionary")
            .hasMessageContaining("column code");
      }
      allocator.close();
    }
  }

  /** A stream of one {@code List<Float32>} column {@code xs}: 3 rows of 4 values, row r holding 10r..10r+3. */
  private static byte[] listStream(RootAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ListVector xs = ListVector.empty("xs", allocator)) {
      UnionListWriter writer = xs.getWriter();
      for (int r = 0; r < 3; r++) {
        writer.setPosition(r);
        writer.startList();
        for (int k = 0; k < 4; k++) {
          writer.float4().writeFloat4(10 * r + k);
        }
        writer.endList();
      }
      xs.setValueCount(3);
      try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(xs));
          ArrowStreamWriter out = new ArrowStreamWriter(root, null, bytes)) {
        root.setRowCount(3);
        out.start();
        out.writeBatch();
        out.end();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void aListWhoseLastOffsetExceedsItsValuesIsRefusedBeforeArrowAllocatesForIt(@TempDir Path dir)
      throws IOException {
    try (RootAllocator allocator = new RootAllocator(64L << 20)) {
      List<IpcMessages.Framed> messages = IpcMessages.parseStream(listStream(allocator));
      Schema schema = MessageCheck.schema(messages.get(0).message(), "test");
      // Intact, as a stream and as a file: the rows' values.
      Path file = Files.write(dir.resolve("list.arrow"), IpcMessages.file(messages, schema));
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(file, allocator), ArrowSources.ipcStream("list",
          () -> new ByteArrayInputStream(IpcMessages.stream(messages)), allocator, ReadOptions.defaults()))) {
        Object lastRow = source.map(batch -> {
          try (batch) {
            return batch.root().getVector("xs").getObject(2);
          }
        }).single().block(Duration.ofSeconds(20));
        assertThat(lastRow).isEqualTo(List.of(20f, 21f, 22f, 23f));
      }
      // The last of the 4 offsets (0, 4, 8, 12), in the batch's body after the validity bitmap,
      // says 10,000,000: Arrow's loader sized the list's values by it, up to the allocator's limit.
      IpcMessages.Framed batch = messages.get(1);
      long offsets = IpcMessages.BatchFields.of(batch).buffers.get(1)[0];
      byte[] body = batch.body().clone();
      ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).putInt((int) offsets + 3 * 4, 10_000_000);
      List<IpcMessages.Framed> lying = List.of(messages.get(0), new IpcMessages.Framed(batch.metadata(), body));
      Path lyingFile = Files.write(dir.resolve("lying-list.arrow"), IpcMessages.file(lying, schema));
      byte[] lyingStream = IpcMessages.stream(lying);
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(lyingFile, allocator), ArrowSources.ipcStream(
          "lying-list", () -> new ByteArrayInputStream(lyingStream), allocator, ReadOptions.defaults()))) {
        assertThatThrownBy(() -> drain(source))
            .isInstanceOf(CorruptIpcException.class)
            .hasMessageContaining("last offset of 10000000 in list column xs, whose values column holds 12");
      }
      assertThat(allocator.getPeakMemoryAllocation()).as("peak allocation").isLessThan(1 << 20);
      allocator.close();
    }
  }

  @Test
  void aStreamMessageDeclaringMoreBytesThanTheFileHoldsFailsBeforeAllocating(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] hostile = concat(schemaMessage(validStream(allocator)), recordBatchDeclaring(HUGE));
      Path file = Files.write(dir.resolve("hostile.arrows"), hostile);
      long peakBefore = allocator.getPeakMemoryAllocation();
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream(file, allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("declares " + HUGE + " bytes")
          .hasMessageContaining("remain in the input");
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream("socket", () -> new ByteArrayInputStream(hostile), allocator,
              ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("maxMessageBytes");
      assertThat(allocator.getPeakMemoryAllocation()).as("nothing near the declared size was allocated")
          .isLessThan(Math.max(peakBefore, 1L << 20));
      allocator.close();
    }
  }

  /**
   * A record batch that declares more body than it has swallows the start of the next message,
   * and the reader takes its next length prefix from wherever that lands. Where it lands on a
   * zero word, the reader used to end there as at an end-of-stream marker, losing the batches
   * after it without a word; the bytes left after the marker now say it is corrupt, in a file
   * and in a stream of unknown length where they have arrived.
   */
  @Test
  void aBodyLengthLieThatLandsOnAZeroWordIsCorruptNotAnEarlyEnd(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] valid = validStream(allocator);
      List<IpcMessages.Framed> messages = new ArrayList<>(IpcMessages.parseStream(valid));
      IpcMessages.Framed first = messages.get(1);
      assertThat(first.isRecordBatch()).isTrue();
      long bodyStart = 8 + padded(messages.get(0).metadata().length);
      byte[] lie = null;
      for (long extra = 8; lie == null; extra += 8) {
        IpcMessages.BatchFields fields = IpcMessages.BatchFields.of(first);
        fields.bodyLength += extra;
        byte[] metadata = fields.encode();
        List<IpcMessages.Framed> lying = new ArrayList<>(messages);
        lying.set(1, first.withMetadata(metadata));
        byte[] stream = IpcMessages.stream(lying);
        int landing = (int) (bodyStart + 8 + padded(metadata.length) + fields.bodyLength);
        assertThat(landing).as("a zero word before the stream's own end").isLessThan(stream.length - 8);
        if (ByteBuffer.wrap(stream, landing, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == 0) {
          lie = stream;
        }
      }
      Path file = Files.write(dir.resolve("lie.arrows"), lie);

      assertThatThrownBy(() -> drain(ArrowSources.ipcStream(file, allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("lie.arrows: an end-of-stream marker at byte")
          .hasMessageContaining("a message declares a body its bytes do not have");

      Path twice = Files.write(dir.resolve("twice.arrows"), concat(valid, valid));
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream(twice, allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("is followed by " + valid.length + " more bytes of " + 2L * valid.length);
      Path whole = Files.write(dir.resolve("valid.arrows"), valid);
      assertThat(drain(ArrowSources.ipcStream(whole, allocator, ReadOptions.defaults()))).isEqualTo(60);

      // A stream of unknown length (a socket, a pipe): the bytes that have arrived after the
      // marker say the same, and a stream that ends at its marker still ends there.
      byte[] lying = lie;
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream("lying socket", () -> new ByteArrayInputStream(lying),
          allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("lying socket: an end-of-stream marker at byte")
          .hasMessageContaining("is followed by more bytes: a message declares a body its bytes do not have");
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream("two streams", () -> new ByteArrayInputStream(
          concat(valid, valid)), allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("or the input holds more than one stream");
      assertThat(drain(ArrowSources.ipcStream("socket", () -> new ByteArrayInputStream(valid), allocator,
          ReadOptions.defaults()))).isEqualTo(60);
      allocator.close();
    }
  }

  private static long padded(int length) {
    return (length + 7) / 8 * 8;
  }

  @Test
  void anIpcFileFooterDeclaringABlockBeyondTheFileFailsBeforeAllocating(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] schema = schemaMessage(validStream(allocator));
      FlatBufferBuilder fb = new FlatBufferBuilder();
      ArrowBlock block = new ArrowBlock(8, schema.length, HUGE);
      fb.finish(new ArrowFooter(TestData.schema(), List.of(), List.of(block)).writeTo(fb));
      byte[] footer = fb.sizedByteArray();
      ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length);
      byte[] magic = "ARROW1".getBytes(StandardCharsets.US_ASCII);
      byte[] hostile = concat(magic, new byte[2], schema, footer, tail.array(), magic);
      Path file = Files.write(dir.resolve("hostile.arrow"), hostile);
      assertThatThrownBy(() -> drain(ArrowSources.ipcFile(file, allocator)))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("body " + HUGE + " bytes");
      assertThat(allocator.getPeakMemoryAllocation()).isLessThan(1L << 20);
      allocator.close();
    }
  }

  @Test
  void bytesThatAreNotAnArrowFileSayWhatWasExpected(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      Path text = Files.writeString(dir.resolve("notes.arrow"), "this is not arrow data, just some text");
      assertThatThrownBy(() -> drain(ArrowSources.ipcFile(text, allocator)))
          .isInstanceOf(CorruptIpcException.class).hasMessageContaining("ARROW1 magic");
      Path stream = Files.write(dir.resolve("stream.arrow"), validStream(allocator));
      assertThatThrownBy(() -> drain(ArrowSources.ipcFile(stream, allocator)))
          .isInstanceOf(CorruptIpcException.class).hasMessageContaining("ArrowSources.ipcStream");
      allocator.close();
    }
  }

  @Test
  void aTruncatedStreamFailsWithATypedErrorOrEndsCleanAndReleasesEverything() throws IOException {
    for (int percent = 0; percent < 100; percent++) {
      truncatedStream(percent);
    }
  }

  private static void truncatedStream(int percent) throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] valid = validStream(allocator);
      byte[] cut = Arrays.copyOf(valid, valid.length * percent / 100);
      try {
        long rows = drain(ArrowSources.ipcStream("cut", () -> new ByteArrayInputStream(cut), allocator,
            ReadOptions.defaults()));
        assertThat(rows).as("a cut at %d%% reads only the whole batches before it", percent).isIn(0L, 20L, 40L);
      } catch (CorruptIpcException expected) {
        assertThat(expected).hasMessageContaining("cut");
      }
      allocator.close();
    }
  }

  @Test
  void aTruncatedFileFailsWithATypedErrorAndReleasesEverything() throws IOException {
    for (int percent = 0; percent < 100; percent += 2) {
      truncatedFile(percent);
    }
  }

  private static void truncatedFile(int percent) throws IOException {
    Path dir = Files.createTempDirectory("truncated");
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] valid = validFile(allocator, dir);
      Path cut = Files.write(dir.resolve("cut.arrow"), Arrays.copyOf(valid, valid.length * percent / 100));
      assertThatThrownBy(() -> drain(ArrowSources.ipcFile(cut, allocator)))
          .as("file cut at %d%%", percent).isInstanceOf(CorruptIpcException.class);
      allocator.close();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  /** 300 seeded random byte flips; a failure names the case to replay. */
  @Test
  void flippedBytesNeverCrashHangOrLeak() throws IOException {
    Random random = new Random(4396);
    for (int i = 0; i < 300; i++) {
      int where = random.nextInt(100_001);
      int mask = 1 + random.nextInt(255);
      boolean asFile = random.nextBoolean();
      try {
        flippedByte(where, mask, asFile);
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError("flip case " + i + " (offset " + where + ", mask " + mask
            + ", file " + asFile + ") failed: " + e.getMessage(), e);
      }
    }
  }

  private static void flippedByte(int where, int mask, boolean asFile) throws IOException {
    Path dir = Files.createTempDirectory("flipped");
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] bytes = asFile ? validFile(allocator, dir) : validStream(allocator);
      int at = where % bytes.length;
      bytes[at] = (byte) (bytes[at] ^ mask);
      Path damaged = Files.write(dir.resolve("damaged"), bytes);
      Flux<ArrowBatch> source = asFile ? ArrowSources.ipcFile(damaged, allocator)
          : ArrowSources.ipcStream(damaged, allocator, ReadOptions.defaults());
      FeatureSpec spec = FeatureSpec.builder().features("pixels").label("label").build();
      try {
        source.map(b -> {
          try (ArrowTensorBatch t = spec.toTensors(b)) {
            return t.features().sumNumber().doubleValue();
          }
        }).blockLast(Duration.ofSeconds(20));
      } catch (ArrowDataException expected) {
        // a typed error is one acceptable outcome; values changed inside a body are the other
      }
      allocator.close();
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }
}
