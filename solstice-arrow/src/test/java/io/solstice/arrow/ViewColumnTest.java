package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ViewVarBinaryVector;
import org.apache.arrow.vector.ViewVarCharVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * View columns (Utf8View, as Polars writes strings by default, also inside its list columns),
 * which Arrow Java cannot validate: a string or binary view, in a column of its own or inside a
 * list, large list, fixed-size list, struct or map, is checked here and read as Utf8 or Binary
 * (and a map of plain strings is read too, which Arrow Java's type check refused); a view that points outside its
 * data, or a list that points past its values or whose offsets fall (plain strings too), is
 * corrupt; a list view is refused by name, never reported as corrupt.
 */
class ViewColumnTest {

  @Test
  void aStringViewInsideAStructIsReadAsUtf8() throws IOException {
    Field name = Field.nullable("name", ArrowType.Utf8View.INSTANCE);
    Schema schema = new Schema(List.of(Field.nullable("n", new ArrowType.Int(32, true)),
        new Field("person", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(name))));
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = write(schema, allocator);
      List<Object> people = new ArrayList<>();
      readInSlicesOfTwo("people", stream, allocator, batch -> {
        assertThat(batch.schema().findField("person").getChildren().get(0).getType())
            .isEqualTo(ArrowType.Utf8.INSTANCE);
        for (int r = 0; r < batch.rowCount(); r++) {
          people.add(batch.root().getVector("n").getObject(r) + ": "
              + ((StructVector) batch.root().getVector("person")).getChild("name").getObject(r));
        }
      });

      assertThat(people).containsExactly("0: person number 0", "1: person number 1", "2: person number 2");
      allocator.close();
    }
  }

  @Test
  void aMapAndAFixedSizeListOfStringsAreReadAsPlainStringsFromViewsOrNot() throws IOException {
    for (ArrowType text : List.of(ArrowType.Utf8View.INSTANCE, ArrowType.Utf8.INSTANCE)) {
      readMapAndPair(text);
    }
  }

  /**
   * Per row, a map {"colour": value} and a pair [value, "a second, out-of-line string"], of the
   * string type given. Before, any map column was read as corrupt: Arrow Java's type check takes a
   * map for a list.
   */
  private static void readMapAndPair(ArrowType text) throws IOException {
    Field entries = new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), List.of(
        Field.notNullable("key", text), Field.nullable("value", text)));
    Schema schema = new Schema(List.of(
        new Field("attributes", FieldType.nullable(new ArrowType.Map(false)), List.of(entries)),
        new Field("pair", FieldType.nullable(new ArrowType.FixedSizeList(2)),
            List.of(Field.nullable("item", text)))));
    String[] colours = {"red", "a colour longer than twelve bytes", "blue"};
    try (RootAllocator allocator = new RootAllocator()) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
          ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
        org.apache.arrow.vector.complex.MapVector attributes =
            (org.apache.arrow.vector.complex.MapVector) root.getVector("attributes");
        StructVector entry = (StructVector) attributes.getDataVector();
        org.apache.arrow.vector.complex.FixedSizeListVector pair =
            (org.apache.arrow.vector.complex.FixedSizeListVector) root.getVector("pair");
        org.apache.arrow.vector.VariableWidthFieldVector pairItems =
            (org.apache.arrow.vector.VariableWidthFieldVector) pair.getDataVector();
        for (int r = 0; r < colours.length; r++) {
          attributes.startNewValue(r);
          entry.setIndexDefined(r);
          ((org.apache.arrow.vector.VariableWidthFieldVector) entry.getChild("key")).setSafe(r,
              "colour".getBytes(StandardCharsets.UTF_8));
          ((org.apache.arrow.vector.VariableWidthFieldVector) entry.getChild("value")).setSafe(r,
              colours[r].getBytes(StandardCharsets.UTF_8));
          attributes.endValue(r, 1);
          pair.setNotNull(r);
          pairItems.setSafe(2 * r, colours[r].getBytes(StandardCharsets.UTF_8));
          pairItems.setSafe(2 * r + 1, "a second, out-of-line string".getBytes(StandardCharsets.UTF_8));
        }
        entry.setValueCount(colours.length);
        pairItems.setValueCount(2 * colours.length);
        root.setRowCount(colours.length);
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      byte[] stream = bytes.toByteArray();
      List<String> rows = new ArrayList<>();
      readInSlicesOfTwo("attributes", stream, allocator, batch -> {
        assertThat(batch.schema().findField("attributes").getChildren().get(0).getChildren())
            .extracting(Field::getType).containsOnly(ArrowType.Utf8.INSTANCE);
        assertThat(batch.schema().findField("pair").getChildren().get(0).getType())
            .isEqualTo(ArrowType.Utf8.INSTANCE);
        for (int r = 0; r < batch.rowCount(); r++) {
          rows.add(batch.root().getVector("attributes").getObject(r) + " "
              + batch.root().getVector("pair").getObject(r));
        }
      });

      assertThat(rows).containsExactly(
          "[{\"key\":\"colour\",\"value\":\"red\"}] [\"red\",\"a second, out-of-line string\"]",
          "[{\"key\":\"colour\",\"value\":\"a colour longer than twelve bytes\"}] "
              + "[\"a colour longer than twelve bytes\",\"a second, out-of-line string\"]",
          "[{\"key\":\"colour\",\"value\":\"blue\"}] [\"blue\",\"a second, out-of-line string\"]");
      allocator.close();
    }
  }

  /** Rows of a list of strings: inline and out-of-line strings, a null list, an empty one, a null string. */
  private static final List<List<String>> TAGS = java.util.Arrays.asList(
      List.of("ab", "a tag longer than twelve bytes"), null, List.of(), List.of("x"),
      java.util.Arrays.asList(null, "the last tag of the last row"));

  @Test
  void aListOfStringViewsIsReadAsAListOfUtf8InSlicedBatches() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      for (ArrowType list : List.of(ArrowType.List.INSTANCE, ArrowType.LargeList.INSTANCE)) {
        byte[] stream = writeTags(allocator, list, -1);
        List<Object> tags = new ArrayList<>();
        readInSlicesOfTwo("tags", stream, allocator, batch -> {
          Field field = batch.schema().findField("tags");
          assertThat(field.getType()).isEqualTo(list);
          assertThat(field.getChildren().get(0).getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
          for (int r = 0; r < batch.rowCount(); r++) {
            Object row = batch.root().getVector("tags").getObject(r);
            tags.add(row == null ? null : ((List<?>) row).stream().map(t -> t == null ? null : t.toString())
                .toList());
          }
        });

        assertThat(tags).as("%s of Utf8View", list).isEqualTo(TAGS);
      }
      allocator.close();
    }
  }

  @Test
  void aListPointingPastItsValuesOrAViewInsideAListPointingOutsideItsDataIsCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] pastValues = writeTags(allocator, ArrowType.List.INSTANCE, 0);
      assertThatThrownBy(() -> readAll("tags", pastValues, allocator))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("has a last offset of 10 in list column tags, whose values column holds 5");
      byte[] outside = writeTags(allocator, ArrowType.List.INSTANCE, 1);
      assertThatThrownBy(() -> readAll("tags", outside, allocator))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("row 1 points at bytes")
          .hasMessageContaining("outside the 1 data buffer(s)");
      for (ArrowType items : List.of(ArrowType.Utf8View.INSTANCE, ArrowType.Utf8.INSTANCE)) {
        byte[] falling = writeTags(allocator, ArrowType.List.INSTANCE, items, 2);
        assertThatThrownBy(() -> readAll("tags", falling, allocator))
            .as("a list of %s", items)
            .isInstanceOf(CorruptIpcException.class)
            .hasMessageContaining("tags fragment 0: column 'tags' has offset 1 = 2 after offset 0 = 4: offsets never "
                + "fall");
      }
      allocator.close();
    }
  }

  /**
   * 400 seeded random byte flips of streams of lists and large lists of strings, views or plain:
   * a typed error or values, never a crash or a leak.
   */
  @Test
  void flippedBytesOfAListOfStringsNeverCrashOrLeak() throws IOException {
    Random random = new Random(2612);
    int typed = 0;
    for (int i = 0; i < 400; i++) {
      try (RootAllocator allocator = new RootAllocator()) {
        byte[] stream = writeTags(allocator, i % 2 == 0 ? ArrowType.List.INSTANCE : ArrowType.LargeList.INSTANCE,
            i % 4 < 2 ? ArrowType.Utf8View.INSTANCE : ArrowType.Utf8.INSTANCE, -1);
        int at = random.nextInt(stream.length);
        int mask = 1 + random.nextInt(255);
        stream[at] = (byte) (stream[at] ^ mask);
        try {
          readInSlicesOfTwo("tags", stream, allocator, batch -> {
            for (FieldVector column : batch.root().getFieldVectors()) {
              for (int r = 0; r < batch.rowCount(); r++) {
                column.getObject(r);
              }
            }
          });
        } catch (ArrowDataException expected) {
          typed++; // a typed error is one acceptable outcome; values changed inside a body are the other
        } catch (RuntimeException | AssertionError e) {
          throw new AssertionError("flip case " + i + " (byte " + at + ", mask " + mask + ") failed: " + e, e);
        }
        try {
          allocator.close();
        } catch (IllegalStateException leak) {
          throw new AssertionError("flip case " + i + " (byte " + at + ", mask " + mask + ") leaked: " + leak, leak);
        }
      }
    }
    System.out.printf("lists of strings, 400 flipped bytes: %d typed errors, the rest read%n", typed);
    assertThat(typed).isPositive();
  }

  @Test
  void aListViewIsRefusedByNameNotReportedAsCorrupt() throws IOException {
    Schema schema = new Schema(List.of(new Field("tags", FieldType.nullable(ArrowType.ListView.INSTANCE),
        List.of(Field.nullable("item", ArrowType.Utf8.INSTANCE)))));
    try (RootAllocator allocator = new RootAllocator()) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
          ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
        root.setRowCount(0);
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      byte[] stream = bytes.toByteArray();

      assertThatThrownBy(() -> readAll("tags", stream, allocator))
          .isInstanceOf(ColumnTypeException.class)
          .hasMessageContaining("tags: column 'tags' is ListView, a list view, which Arrow Java cannot validate")
          .hasMessageContaining("compat_level");
      allocator.close();
    }
  }

  /**
   * A stream of {@link #TAGS} as a list (or large list) of Utf8View. With {@code bad} 0, the last
   * row's end offset points past the list's values; with 1, the view of value 1 names data
   * buffer 7; with 2, the first row starts at value 4 and ends at 3.
   */
  private static byte[] writeTags(RootAllocator allocator, ArrowType listType, int bad) throws IOException {
    return writeTags(allocator, listType, ArrowType.Utf8View.INSTANCE, bad);
  }

  /** As {@link #writeTags(RootAllocator, ArrowType, int)}, with items of a type given: Utf8View or Utf8. */
  private static byte[] writeTags(RootAllocator allocator, ArrowType listType, ArrowType itemType, int bad)
      throws IOException {
    Schema schema = new Schema(List.of(new Field("tags", FieldType.nullable(listType),
        List.of(Field.nullable("item", itemType)))));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      FieldVector tags = root.getVector("tags");
      org.apache.arrow.vector.VariableWidthFieldVector items =
          (org.apache.arrow.vector.VariableWidthFieldVector) tags.getChildrenFromFields().get(0);
      int item = 0;
      long[] ends = new long[TAGS.size()];
      for (int r = 0; r < TAGS.size(); r++) {
        if (TAGS.get(r) != null) {
          for (String tag : TAGS.get(r)) {
            if (tag == null) {
              items.setNull(item++);
            } else {
              items.setSafe(item++, tag.getBytes(StandardCharsets.UTF_8));
            }
          }
        }
        ends[r] = item;
      }
      items.setValueCount(item);
      for (int r = 0; r < TAGS.size(); r++) {
        if (tags instanceof org.apache.arrow.vector.complex.ListVector list) {
          list.startNewValue(r);
          list.endValue(r, (int) (ends[r] - (r == 0 ? 0 : ends[r - 1])));
          if (TAGS.get(r) == null) {
            list.setNull(r);
          }
        } else {
          org.apache.arrow.vector.complex.LargeListVector large = (org.apache.arrow.vector.complex.LargeListVector) tags;
          large.startNewValue(r);
          large.endValue(r, (int) (ends[r] - (r == 0 ? 0 : ends[r - 1])));
          if (TAGS.get(r) == null) {
            large.setNull(r);
          }
        }
      }
      root.setRowCount(TAGS.size());
      if (bad == 0) {
        tags.getFieldBuffers().get(1).setInt(TAGS.size() * 4L, item + 5);
      } else if (bad == 2) {
        tags.getFieldBuffers().get(1).setInt(0, 4);
      } else if (bad == 1) {
        ((ViewVarCharVector) items).getDataBuffer().setInt(16L + 8, 7);
      }
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }

  /** Inline (up to 12 bytes) and out-of-line strings, a null and an empty one; bytes likewise. */
  private static final String[] NAMES = {"ab", "a name longer than twelve bytes", null, "", "another long one, too"};

  @Test
  void aTopLevelStringOrBinaryViewColumnIsReadAsUtf8OrBinaryInSlicedBatches() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = writeViews(allocator, -1);
      List<String> names = new ArrayList<>();
      List<String> blobs = new ArrayList<>();
      readInSlicesOfTwo("people", stream, allocator, batch -> {
        assertThat(batch.schema().findField("name").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(batch.schema().findField("blob").getType()).isEqualTo(ArrowType.Binary.INSTANCE);
        VarCharVector name = (VarCharVector) batch.root().getVector("name");
        VarBinaryVector blob = (VarBinaryVector) batch.root().getVector("blob");
        for (int r = 0; r < batch.rowCount(); r++) {
          names.add(name.isNull(r) ? null : name.getObject(r).toString());
          blobs.add(blob.isNull(r) ? null : new String(blob.get(r), StandardCharsets.UTF_8));
        }
      });

      assertThat(names).containsExactly(NAMES);
      assertThat(blobs).containsExactly(NAMES);
      allocator.close();
    }
  }

  @Test
  void aViewPointingOutsideItsDataBuffersIsCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] stream = writeViews(allocator, 1);

      assertThatThrownBy(() -> readAll("people", stream, allocator))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("view column 'name' row 1 points at bytes")
          .hasMessageContaining("outside the 1 data buffer(s)");
      allocator.close();
    }
  }

  /** A stream of {@link #NAMES} as a Utf8View and a BinaryView column; the view of row {@code bad} names data buffer 7. */
  private static byte[] writeViews(RootAllocator allocator, int bad) throws IOException {
    Schema schema = new Schema(List.of(Field.nullable("name", ArrowType.Utf8View.INSTANCE),
        Field.nullable("blob", ArrowType.BinaryView.INSTANCE)));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      ViewVarCharVector name = (ViewVarCharVector) root.getVector("name");
      ViewVarBinaryVector blob = (ViewVarBinaryVector) root.getVector("blob");
      for (int r = 0; r < NAMES.length; r++) {
        if (NAMES[r] == null) {
          name.setNull(r);
          blob.setNull(r);
        } else {
          name.setSafe(r, NAMES[r].getBytes(StandardCharsets.UTF_8));
          blob.setSafe(r, NAMES[r].getBytes(StandardCharsets.UTF_8));
        }
      }
      root.setRowCount(NAMES.length);
      if (bad >= 0) {
        // A view is [length, prefix, buffer index, offset], four ints.
        name.getDataBuffer().setInt(bad * 16L + 8, 7);
      }
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }

  private static byte[] write(Schema schema, RootAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(bytes))) {
      IntVector n = (IntVector) root.getVector("n");
      StructVector person = (StructVector) root.getVector("person");
      ViewVarCharVector names = person.getChild("name", ViewVarCharVector.class);
      for (int r = 0; r < 3; r++) {
        n.setSafe(r, r);
        person.setIndexDefined(r);
        names.setSafe(r, ("person number " + r).getBytes(StandardCharsets.UTF_8));
      }
      root.setRowCount(3);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    return bytes.toByteArray();
  }

  /** Reads a stream in batches of two rows, each visited, then closed. */
  private static void readInSlicesOfTwo(String name, byte[] stream, RootAllocator allocator,
      Consumer<ArrowBatch> visit) {
    ArrowSources.ipcStream(name, () -> new ByteArrayInputStream(stream), allocator,
            ReadOptions.builder().batchSize(2).build())
        .doOnNext(batch -> {
          try (batch) {
            visit.accept(batch);
          }
        }).blockLast(Duration.ofSeconds(20));
  }

  /** Reads a whole stream, closing each batch: it throws what the source signals. */
  private static void readAll(String name, byte[] stream, RootAllocator allocator) {
    ArrowSources.ipcStream(name, () -> new ByteArrayInputStream(stream), allocator, ReadOptions.defaults())
        .doOnNext(ArrowBatch::close).blockLast(Duration.ofSeconds(20));
  }
}
