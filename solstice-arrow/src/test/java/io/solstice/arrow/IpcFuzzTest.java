package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.solstice.arrow.IpcMessages.BatchFields;
import io.solstice.arrow.IpcMessages.Framed;
import io.solstice.arrow.internal.MessageCheck;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * A structured fuzzer over IPC streams and files read through the real sources and
 * {@link FeatureSpec}: truncations, bit flips, and metadata that lies (row counts, field node
 * lengths and null counts, buffer offsets and lengths including multi-GB ones, node and buffer
 * counts, body lengths, dictionary batches for ids the schema does not have) and schemas that
 * change mid-stream. Every case must end in an {@link ArrowDataException} or in rows whose
 * values are what their ids say, within 20 s, with the allocator back at zero bytes. The
 * allocator is limited to 64 MiB: an attempt to allocate more fails the case (Arrow's
 * {@code OutOfMemoryException} is not a typed data error), and a declared 16 GiB buffer must be
 * refused having allocated at most 4 MiB. The largest allocation any case caused is printed.
 *
 * <p>Each case damages one of two inputs, drawn evenly: the test table, or the table with a
 * dictionary-encoded column {@code code} and a list column {@code xs} of varying widths (the
 * coded input). Its dictionary batch is a message of its own that every lie about metadata may
 * pick, as it picks a record batch, and its list's offsets buffer and values are what lies and
 * flips in its record batches may reach. Its rows must also decode to the code their id says and
 * hold the list their id says; the summary counts lies in a dictionary batch under
 * {@code kind/dictionary}. The input is drawn apart from a case's other draws, so a case of the
 * table is the very case its seed and number drew before the coded input was added; about half
 * of them now damage the coded input instead (of the case numbers quoted below, all drawn
 * before, case 263 of seed 1 is one).
 *
 * <p>IPC carries no checksum, so a flip inside a buffer's values can only change those values:
 * such cases are counted as "changed values" (the reader cannot know), not failed. Metadata
 * lies must never give changed values. {@code -Dsolstice.fuzz.cases=N} runs N cases
 * (default 2000); {@code -Dsolstice.fuzz.seed=S} changes the seed.
 */
class IpcFuzzTest {

  private static final int CASES = Integer.getInteger("solstice.fuzz.cases", 2000);
  private static final long SEED = Long.getLong("solstice.fuzz.seed", 9_2026L);
  private static final long LIMIT = 64L << 20;
  private static final long PEAK_BOUND = 4L << 20;
  private static final long HUGE = 16L << 30; // a 16 GiB declared buffer
  private static final FeatureSpec SPEC = FeatureSpec.builder().features("pixels").label("label").build();

  /** How one case ended. */
  enum Outcome { TYPED_ERROR, CORRECT_DATA, CHANGED_VALUES }

  /** Cases whose damage is inside value buffers, where changed values are undetectable. */
  private static final List<String> MAY_CHANGE_VALUES =
      List.of("flip", "bufferOffset", "bufferLength", "nullCount");

  @TempDir Path dir;

  private long maxPeak;
  private String maxPeakCase;

  @Test
  void hostileStreamsAndFilesEndInATypedErrorOrCorrectDataWithinBoundedMemory() throws Exception {
    Corpus table;
    Corpus coded;
    List<Framed> other;
    try (RootAllocator writer = new RootAllocator()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TestData.writeIpcStream(out, writer, 3, 20);
      table = new Corpus(IpcMessages.parseStream(out.toByteArray()), TestData.schema(), false);
      List<Framed> codedMessages = IpcMessages.parseStream(codedStream(writer));
      coded = new Corpus(codedMessages, MessageCheck.schema(codedMessages.get(0).message(), "coded"), true);
      other = IpcMessages.parseStream(idOnlyStream(writer));
    }
    Map<String, Map<Outcome, Integer>> counts = new TreeMap<>();
    Random random = new Random(SEED);
    long started = System.nanoTime();
    for (int i = 0; i < CASES; i++) {
      long caseSeed = random.nextLong();
      FuzzCase c = FuzzCase.draw(caseSeed, table, coded, other);
      boolean asFile = new Random(caseSeed).nextBoolean();
      Outcome outcome;
      try {
        outcome = run(c, asFile);
      } catch (Throwable t) {
        throw new AssertionError("fuzz case " + i + " (" + c.label() + ", " + (asFile ? "file" : "stream")
            + (c.coded() ? " with a dictionary" : "") + ", seed " + caseSeed + ", solstice.fuzz.seed=" + SEED
            + ") failed: " + t, t);
      }
      if (outcome == Outcome.CHANGED_VALUES && !MAY_CHANGE_VALUES.contains(c.kind())) {
        throw new AssertionError("fuzz case " + i + " (" + c.label() + (c.coded() ? " with a dictionary" : "")
            + ", seed " + caseSeed + ") read silently wrong values from lying metadata");
      }
      counts.computeIfAbsent(c.label() + (asFile ? "/file" : "/stream"), k -> new TreeMap<>())
          .merge(outcome, 1, Integer::sum);
    }
    System.out.printf("IPC fuzz: %d cases in %.1f s (seed %d), largest allocation %d bytes (%s): %s%n",
        CASES, (System.nanoTime() - started) / 1e9, SEED, maxPeak, maxPeakCase, counts);
    if (CASES >= 500) {
      assertThat(counts.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct())
          .as("every kind of damage ran").containsExactlyInAnyOrder(FuzzCase.KINDS);
    }
    if (CASES >= 2000) { // about one lie in 8 is in a dictionary batch
      assertThat(counts.keySet().stream().filter(k -> k.contains("/dictionary/"))
              .map(k -> k.substring(0, k.indexOf('/'))))
          .as("every metadata lie damaged a dictionary batch").containsAll(FuzzCase.LIES);
    }
  }

  /**
   * Arrow 18.3's {@code ArrowStreamReader.loadNextBatch} reads a dictionary batch and then
   * {@code loadDictionary} throws "Dictionary ID n not defined in schema" without closing the
   * batch it read, so its body would leak; the source refuses such a message before Arrow reads
   * it.
   */
  @Test
  void unknownDictionaryIdInAStream() throws IOException {
    List<Framed> m = new ArrayList<>(IpcMessages.parseStream(validStream()));
    BatchFields dictionary = BatchFields.of(m.get(1));
    dictionary.dictionaryId = 7L;
    m.add(1, m.get(1).withMetadata(dictionary.encode()));
    byte[] hostile = IpcMessages.stream(m);
    try (RootAllocator allocator = new RootAllocator(LIMIT)) {
      assertThatThrownBy(() -> readAll(ArrowSources.ipcStream("dict",
              () -> new ByteArrayInputStream(hostile), allocator, ReadOptions.defaults())))
          .isInstanceOf(ArrowDataException.class);
      allocator.close();
    }
  }

  /**
   * Case 263 of {@code -Dsolstice.fuzz.seed=1}: a flip in an IPC file's footer turns the type of
   * the pixels' values from Float32 into a 128-bit decimal. Arrow's loader sets the values' vector
   * to the 80 values the batch declares, which its 320-byte buffer cannot hold as decimals, so it
   * reallocates the vector; copying the 10-byte validity buffer into the new 8-byte one throws,
   * and Arrow 18.3 never releases the new buffer. The source refuses the batch before Arrow loads
   * it.
   */
  @Test
  void aFooterFlipThatWidensTheListValuesType() throws IOException {
    byte[] file = IpcMessages.file(IpcMessages.parseStream(validStream()), TestData.schema());
    file[5067] ^= 1 << 2; // the values' type tag in the footer: FloatingPoint (3) becomes Decimal (7)
    Path path = Files.write(dir.resolve("widened.arrow"), file);
    try (RootAllocator allocator = new RootAllocator(LIMIT)) {
      assertThat(pixelValuesType(footerSchema(file, allocator))).isEqualTo(new ArrowType.Decimal(393217, 0, 128));
      Throwable refused = catchThrowable(() -> readAll(ArrowSources.ipcFile(path, allocator)));
      allocator.close();
      assertThat(refused).isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("80 values of Decimal(393217, 0, 128) in column pixels.$data$")
          .hasMessageContaining("data buffer needs 1280 bytes, but buffer 4 holds 320");
    }
  }

  /**
   * Case 2870 of {@code -Dsolstice.fuzz.seed=1} (one of its three flips): a flip in a stream's
   * schema message widens the pixels' fixed-size list from 4 to 67,108,868 values per row. Arrow's
   * loader sized the values' vector to rows times that width, until the allocator's limit refused
   * it. The batch's values node declares 80 values, so the source refuses it before Arrow
   * allocates for it.
   */
  @Test
  void aSchemaFlipThatWidensAFixedSizeList() throws IOException {
    byte[] stream = validStream();
    stream[427] ^= 1 << 2; // the high byte of the list's width in the schema message: 4 + 2^26
    Framed schemaMessage = IpcMessages.parseStream(stream).get(0);
    Schema schema = Schema.convertSchema((org.apache.arrow.flatbuf.Schema) schemaMessage.message()
        .header(new org.apache.arrow.flatbuf.Schema()));
    assertThat(schema.findField("pixels").getType()).isEqualTo(new ArrowType.FixedSizeList(67_108_868));
    try (RootAllocator allocator = new RootAllocator(LIMIT)) {
      assertThatThrownBy(() -> readAll(ArrowSources.ipcStream("widened", () -> new ByteArrayInputStream(stream),
              allocator, ReadOptions.defaults())))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("80 values in column pixels.$data$ where the schema needs 1342177360");
      assertThat(allocator.getPeakMemoryAllocation()).isLessThan(1L << 20);
      allocator.close();
    }
  }

  /** The test table as an IPC stream: 3 batches of 20 rows. */
  private static byte[] validStream() throws IOException {
    try (RootAllocator writer = new RootAllocator()) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      TestData.writeIpcStream(out, writer, 3, 20);
      return out.toByteArray();
    }
  }

  /** Reads every batch of a source, closing each. */
  private static void readAll(Flux<ArrowBatch> source) {
    source.doOnNext(ArrowBatch::close).blockLast(Duration.ofSeconds(20));
  }

  /** The schema in an IPC file's footer, as Arrow's file reader reads it. */
  private static Schema footerSchema(byte[] file, RootAllocator allocator) throws IOException {
    try (ArrowFileReader reader = new ArrowFileReader(new ByteArrayReadableSeekableByteChannel(file), allocator)) {
      return reader.getVectorSchemaRoot().getSchema();
    }
  }

  private static ArrowType pixelValuesType(Schema schema) {
    return schema.findField("pixels").getChildren().get(0).getType();
  }

  /** Each case damages one of these: its messages, and the schema an IPC file's footer names. */
  record Corpus(List<Framed> messages, Schema schema, boolean coded) {}

  /** The dictionary id of the coded input's {@code code} column. */
  private static final long CODE_DICTIONARY = 1;
  /** The number of values in that dictionary. */
  private static final int CODES = 7;

  /** The dictionary index of row {@code id}'s code. */
  private static int codeIndex(long id) {
    return (int) (id * 3 % CODES);
  }

  /** The value at {@code index} of the code dictionary; every byte of it matters. */
  private static long codeValue(int index) {
    return (index + 1) * 0x0123_4567_89AB_CDEFL;
  }

  /** The number of values in row {@code id}'s list: 0 to 3, so that its offsets differ row by row. */
  private static int listWidth(long id) {
    return (int) (id % 4);
  }

  /** Value {@code k} of row {@code id}'s list. */
  private static float listValue(long id, int k) {
    return id * 10 + k;
  }

  /**
   * The test table with a dictionary-encoded column {@code code} and a list column {@code xs} as
   * an IPC stream: its schema, a dictionary batch of {@link #CODES} Int64 values, and 3 batches
   * of 20 rows whose Int32 indices are {@link #codeIndex} of their ids, so that row {@code id}
   * decodes to {@code codeValue(codeIndex(id))}, and whose lists hold {@link #listWidth} Float32
   * values {@link #listValue} of their ids.
   */
  private static byte[] codedStream(RootAllocator allocator) throws IOException {
    DictionaryEncoding encoding = new DictionaryEncoding(CODE_DICTIONARY, false, new ArrowType.Int(32, true));
    List<Field> fields = new ArrayList<>(TestData.schema().getFields());
    // In memory the column holds its indices; the writer puts the values' type in the stream's schema.
    fields.add(new Field("code", new FieldType(false, encoding.getIndexType(), encoding), null));
    Field x = Field.notNullable("$data$", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE));
    fields.add(new Field("xs", FieldType.notNullable(ArrowType.List.INSTANCE), List.of(x)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BigIntVector values = new BigIntVector("code-values", allocator);
         VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator)) {
      values.allocateNew(CODES);
      for (int i = 0; i < CODES; i++) {
        values.set(i, codeValue(i));
      }
      values.setValueCount(CODES);
      DictionaryProvider.MapDictionaryProvider provider = new DictionaryProvider.MapDictionaryProvider();
      provider.put(new Dictionary(values, encoding));
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, provider, Channels.newChannel(out))) {
        writer.start();
        for (int b = 0; b < 3; b++) {
          TestData.fill(root, b * 20L, 20);
          IntVector code = (IntVector) root.getVector("code");
          ListVector xs = (ListVector) root.getVector("xs");
          Float4Vector xValues = (Float4Vector) xs.getDataVector();
          for (int r = 0; r < 20; r++) {
            long id = b * 20L + r;
            code.set(r, codeIndex(id));
            int first = xs.startNewValue(r);
            for (int k = 0; k < listWidth(id); k++) {
              xValues.setSafe(first + k, listValue(id, k));
            }
            xs.endValue(r, listWidth(id));
          }
          xs.setValueCount(20);
          writer.writeBatch();
        }
        writer.end();
      }
    }
    return out.toByteArray();
  }

  private Outcome run(FuzzCase c, boolean asFile) throws Exception {
    byte[] bytes = asFile ? c.file() : c.stream();
    try (RootAllocator allocator = new RootAllocator(LIMIT)) {
      Flux<ArrowBatch> source;
      if (asFile) {
        Path file = Files.write(dir.resolve("case.arrow"), bytes);
        source = ArrowSources.ipcFile(file, allocator);
      } else {
        source = ArrowSources.ipcStream("case", () -> new ByteArrayInputStream(bytes), allocator,
            ReadOptions.defaults());
      }
      Outcome outcome;
      try {
        boolean allCorrect = everyRowMatchesItsId(source, c.coded());
        outcome = allCorrect ? Outcome.CORRECT_DATA : Outcome.CHANGED_VALUES;
      } catch (ArrowDataException typed) {
        assertThat(typed.getMessage()).isNotBlank();
        outcome = Outcome.TYPED_ERROR;
      }
      long peak = allocator.getPeakMemoryAllocation();
      if (c.kind().equals("hugeBuffer")) {
        assertThat(peak).as("a declared multi-GB buffer is refused before allocating")
            .isLessThanOrEqualTo(PEAK_BOUND);
      }
      if (peak > maxPeak) {
        maxPeak = peak;
        maxPeakCase = c.kind() + (asFile ? "/file" : "/stream");
      }
      allocator.close();
      return outcome;
    }
  }

  /**
   * Reads the whole source on a thread of its own, so that a case that hangs fails after 20 s.
   * That thread's blocking read returns only once the source has let go of its reader, even when
   * a check fails downstream of it (the source then cleans up on that thread, after the error has
   * passed), so the allocator may be closed as soon as this returns.
   */
  private static boolean everyRowMatchesItsId(Flux<ArrowBatch> source, boolean coded) throws Exception {
    CompletableFuture<Boolean> read = CompletableFuture.supplyAsync(
        () -> source.map(batch -> rowsMatchTheirIds(batch, coded)).reduce(true, Boolean::logicalAnd).block());
    try {
      return read.get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /**
   * Converts the batch with the spec and checks every row against the function of its id, and
   * with {@code coded} also the value its code decodes to through the batch's dictionary and its
   * list.
   */
  private static boolean rowsMatchTheirIds(ArrowBatch batch, boolean coded) {
    // A flip in the schema can rename "id" or retype it (case 7995 of seed 1 and case 3676 of
    // seed 77 make it unsigned, which reads cleanly): its rows then match no id, as changed
    // values do.
    BigIntVector ids = batch.root().getVector("id") instanceof BigIntVector v ? v : null;
    long[] id = new long[batch.rowCount()];
    boolean ok = ids != null;
    for (int r = 0; ok && r < id.length; r++) {
      ok = !ids.isNull(r);
      id[r] = ok ? ids.get(r) : -1;
    }
    try (ArrowTensorBatch tensors = SPEC.toTensors(batch)) {
      for (int r = 0; ok && r < id.length; r++) {
        for (int col = 0; ok && col < TestData.WIDTH; col++) {
          ok = tensors.features().getFloat(r, col) == TestData.pixel(id[r], col);
        }
        ok = ok && tensors.labels().getLong(r) == TestData.label(id[r]);
      }
      // The tensors own the batch: its dictionary is read before they close it.
      return ok && (!coded || codesMatchTheirIds(batch, id) && listsMatchTheirIds(batch, id));
    }
  }

  /**
   * Whether row r's code decodes to the value of {@code id[r]}. A flip can rename or retype the
   * column or its dictionary's values, or renumber the dictionary, and a lie about a null count
   * can null an index or a value: each reads as changed values.
   */
  private static boolean codesMatchTheirIds(ArrowBatch batch, long[] id) {
    FieldVector column = batch.root().getVector("code");
    DictionaryEncoding encoding = column == null ? null : column.getField().getDictionary();
    Dictionary dictionary = encoding == null ? null : batch.lookup(encoding.getId());
    if (!(column instanceof IntVector codes) || dictionary == null
        || !(dictionary.getVector() instanceof BigIntVector values)) {
      return false;
    }
    for (int r = 0; r < id.length; r++) {
      int index = codes.isNull(r) ? -1 : codes.get(r);
      if (index < 0 || index >= values.getValueCount() || values.isNull(index)
          || values.get(index) != codeValue(codeIndex(id[r]))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether row r's list holds the values of {@code id[r]}. A flip can rename or retype the
   * column or its values, or change an offset (the readers check only the last one against the
   * values), and a lie about a null count can null a list or a value: each reads as changed
   * values. An offset beyond the values counts as changed values before anything is read through it.
   */
  private static boolean listsMatchTheirIds(ArrowBatch batch, long[] id) {
    if (!(batch.root().getVector("xs") instanceof ListVector xs)
        || !(xs.getDataVector() instanceof Float4Vector values)) {
      return false;
    }
    for (int r = 0; r < id.length; r++) {
      int start = xs.isNull(r) ? -1 : xs.getElementStartIndex(r);
      if (start < 0 || xs.getElementEndIndex(r) != start + listWidth(id[r])
          || start + listWidth(id[r]) > values.getValueCount()) {
        return false;
      }
      for (int k = 0; k < listWidth(id[r]); k++) {
        if (values.isNull(start + k) || values.get(start + k) != listValue(id[r], k)) {
          return false;
        }
      }
    }
    return true;
  }

  /** A stream of another schema: one BigInt column "id", two batches. */
  private static byte[] idOnlyStream(RootAllocator allocator) throws IOException {
    Schema schema = new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, true))));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      for (int b = 0; b < 2; b++) {
        BigIntVector id = (BigIntVector) root.getVector("id");
        id.allocateNew(5);
        for (int r = 0; r < 5; r++) {
          id.set(r, 1000 + r);
        }
        root.setRowCount(5);
        writer.writeBatch();
      }
      writer.end();
    }
    return out.toByteArray();
  }

  /**
   * One hostile input: a kind, whether its lie is in a dictionary batch, whether it damages the
   * coded input, the damaged messages (framed as a stream or a file with a footer of
   * {@code footerSchema}), or raw damaged bytes for truncations and flips.
   */
  record FuzzCase(String kind, boolean inDictionary, boolean coded, List<Framed> messages, Schema footerSchema,
      BiFunction<byte[], Boolean, byte[]> rawDamage) {

    static final String[] KINDS = {"truncate", "flip", "rows", "nodeLength", "nullCount",
        "bufferOffset", "bufferLength", "hugeBuffer", "nodeCount", "bufferCount", "bodyLength",
        "dictionaryId", "schemaMidStream", "schemaSwap"};

    /** The kinds that change one field of a record or dictionary batch's metadata. */
    static final List<String> LIES = List.of("rows", "nodeLength", "nullCount", "bufferOffset", "bufferLength",
        "hugeBuffer", "nodeCount", "bufferCount", "bodyLength");

    /** The kind, and "/dictionary" where it lies in a dictionary batch. */
    String label() {
      return kind + (inDictionary ? "/dictionary" : "");
    }

    byte[] stream() {
      return rawDamage.apply(IpcMessages.stream(messages), false);
    }

    byte[] file() {
      return rawDamage.apply(IpcMessages.file(messages, footerSchema), true);
    }

    static FuzzCase draw(long seed, Corpus table, Corpus coded, List<Framed> other) {
      Random r = new Random(seed);
      r.nextBoolean(); // the stream-or-file draw
      String kind = KINDS[r.nextInt(KINDS.length)];
      // Drawn by a generator of its own, so that a case of the table draws what it drew before
      // the coded input was added.
      Corpus corpus = new SplittableRandom(seed).nextBoolean() ? coded : table;
      Schema schema = corpus.schema();
      List<Framed> m = new ArrayList<>(corpus.messages());
      int batch = 1 + r.nextInt(m.size() - 1); // a dictionary or record batch (message 0 is the schema)
      BatchFields f = BatchFields.of(m.get(batch));
      boolean isCoded = corpus.coded();
      BiFunction<byte[], Boolean, byte[]> none = (bytes, file) -> bytes;
      switch (kind) {
        case "truncate" -> {
          double at = r.nextDouble();
          return new FuzzCase(kind, false, isCoded, m, schema,
              (bytes, file) -> Arrays.copyOf(bytes, (int) (bytes.length * at)));
        }
        case "flip" -> {
          int flips = 1 + r.nextInt(4);
          long[] where = r.longs(flips, 0, Long.MAX_VALUE).toArray();
          int[] bits = r.ints(flips, 0, 8).toArray();
          return new FuzzCase(kind, false, isCoded, m, schema, (bytes, file) -> {
            byte[] b = bytes.clone();
            for (int i = 0; i < flips; i++) {
              int at = (int) (where[i] % b.length);
              b[at] ^= (byte) (1 << bits[i]);
            }
            return b;
          });
        }
        case "rows" -> f.length = lie(r, f.length);
        case "nodeLength" -> f.nodes.get(r.nextInt(f.nodes.size()))[0] = lie(r, f.length);
        case "nullCount" -> {
          long[] node = f.nodes.get(r.nextInt(f.nodes.size()));
          node[1] = lie(r, node[0]);
        }
        case "bufferOffset" -> {
          long[] buffer = f.buffers.get(r.nextInt(f.buffers.size()));
          buffer[0] = lie(r, buffer[0]);
        }
        case "bufferLength" -> {
          long[] buffer = f.buffers.get(r.nextInt(f.buffers.size()));
          buffer[1] = lie(r, buffer[1]);
        }
        case "hugeBuffer" -> f.buffers.get(r.nextInt(f.buffers.size()))[1] = HUGE + r.nextInt(1 << 20);
        case "nodeCount" -> {
          if (r.nextBoolean()) {
            f.nodes.remove(r.nextInt(f.nodes.size()));
          } else {
            f.nodes.add(new long[] {f.length, 0});
          }
        }
        case "bufferCount" -> {
          if (r.nextBoolean()) {
            f.buffers.remove(r.nextInt(f.buffers.size()));
          } else {
            f.buffers.add(new long[] {0, 8});
          }
        }
        case "bodyLength" -> f.bodyLength = lie(r, f.bodyLength);
        case "dictionaryId" -> {
          f.dictionaryId = r.nextBoolean() ? 0L : r.nextLong(); // the coded input's dictionary is 1
          m.add(batch, m.get(batch).withMetadata(f.encode()));
          return new FuzzCase(kind, false, isCoded, m, schema, none);
        }
        case "schemaMidStream" -> {
          m.addAll(batch, other); // a second schema message and its batches
          return new FuzzCase(kind, false, isCoded, m, schema, none);
        }
        case "schemaSwap" -> {
          List<Framed> swapped = new ArrayList<>(m);
          boolean ourSchemaTheirBatches = r.nextBoolean();
          swapped.set(0, ourSchemaTheirBatches ? m.get(0) : other.get(0));
          if (ourSchemaTheirBatches) {
            swapped.set(batch, other.get(1));
          }
          return new FuzzCase(kind, false, isCoded, swapped, ourSchemaTheirBatches ? schema : otherSchema(), none);
        }
        default -> throw new IllegalStateException(kind);
      }
      m.set(batch, m.get(batch).withMetadata(f.encode()));
      return new FuzzCase(kind, f.dictionaryId != null, isCoded, m, schema, none);
    }

    private static Schema otherSchema() {
      return new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, true))));
    }

    /** A lie about a count or size: off by one, zero, negative, huge, or random. */
    private static long lie(Random r, long truth) {
      return switch (r.nextInt(7)) {
        case 0 -> truth + 1;
        case 1 -> truth - 1;
        case 2 -> 0;
        case 3 -> -1 - r.nextInt(1000);
        case 4 -> HUGE;
        case 5 -> Long.MAX_VALUE - r.nextInt(8);
        default -> truth * (2 + r.nextInt(100));
      };
    }
  }
}
