package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batches to tensors: zero-copy wrapping, gathering, labels, and the typed errors for bad columns. */
class FeatureSpecTest {
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  /** One owned batch of {@link TestData} rows [firstId, firstId + rows), sliced by the source. */
  private ArrowBatch batch(int rows, int batchSize, int index) {
    List<VectorSchemaRoot> roots = TestData.roots(allocator, 1, rows);
    try {
      return ArrowSources.roots("t", roots, null, allocator, ReadOptions.builder().batchSize(batchSize).build())
          .elementAt(index)
          // elementAt drops the batches before the one it keeps: they must be closed too
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
          .block();
    } finally {
      roots.forEach(VectorSchemaRoot::close);
    }
  }

  private static FeatureSpec pixels() {
    return FeatureSpec.builder().features("pixels").label("label").numClasses(TestData.CLASSES).build();
  }

  @Test
  void aFixedSizeListColumnBecomesAMatrixOverTheSameMemory() {
    try (ArrowBatch batch = batch(8, 0, 0)) {
      FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector("pixels");
      ArrowBuf data = list.getDataVector().getDataBuffer();
      int refsBefore = data.getReferenceManager().getRefCount();
      try (ArrowTensorBatch tensors = pixels().toTensors(batch)) {
        INDArray x = tensors.features();
        assertThat(x.shape()).containsExactly(8, TestData.WIDTH);
        assertThat(x.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(x.data().address()).isEqualTo(data.memoryAddress());
        assertThat(data.getReferenceManager().getRefCount()).as("retained while the array lives").isEqualTo(refsBefore + 1);

        data.setFloat(4L * (2 * TestData.WIDTH + 3), -7.5f);
        assertThat(x.getFloat(2, 3)).as("a write on the Arrow side shows in the array").isEqualTo(-7.5f);
        x.putScalar(5, 1, 42f);
        assertThat(((Float4Vector) list.getDataVector()).get(5 * TestData.WIDTH + 1))
            .as("a write on the array side shows in Arrow").isEqualTo(42f);
        assertThat(x.getFloat(7, 0)).isEqualTo(TestData.pixel(7, 0));
      }
      assertThat(batch.isClosed()).as("closing the tensors closes the batch they own").isTrue();
    }
  }

  @Test
  void aSlicedBatchWrapsAtItsOwnOffset() {
    try (ArrowTensorBatch tensors = pixels().toTensors(batch(10, 4, 1))) {
      INDArray x = tensors.features();
      assertThat(x.shape()).containsExactly(4, TestData.WIDTH);
      for (int r = 0; r < 4; r++) {
        for (int c = 0; c < TestData.WIDTH; c++) {
          assertThat(x.getFloat(r, c)).isEqualTo(TestData.pixel(4 + r, c));
        }
        assertThat(tensors.labels().getLong(r)).isEqualTo(TestData.label(4 + r));
      }
      assertThat(tensors.position().batch()).isEqualTo(1);
    }
  }

  @Test
  void arraysStayUsableForNd4jMathUntilClosed() {
    try (ArrowTensorBatch tensors = pixels().toTensors(batch(6, 0, 0))) {
      INDArray sums = tensors.features().sum(1);
      for (int r = 0; r < 6; r++) {
        float expected = 0;
        for (int c = 0; c < TestData.WIDTH; c++) {
          expected += TestData.pixel(r, c);
        }
        assertThat(sums.getFloat(r)).isEqualTo(expected);
      }
      INDArray product = tensors.features().mmul(Nd4j.ones(DataType.FLOAT, TestData.WIDTH, 1));
      assertThat(product.getFloat(5, 0)).isEqualTo(sums.getFloat(5));
    }
  }

  @Test
  void severalNumericColumnsAreGatheredInOrder() {
    FeatureSpec spec = FeatureSpec.builder().features("x1", "x2", "x3").label("label").build();
    try (ArrowTensorBatch tensors = spec.toTensors(batch(5, 0, 0))) {
      INDArray x = tensors.features();
      assertThat(x.shape()).containsExactly(5, 3);
      assertThat(x.dataType()).isEqualTo(DataType.FLOAT);
      for (int r = 0; r < 5; r++) {
        assertThat(x.getFloat(r, 0)).isEqualTo(r / 2f);
        assertThat(x.getFloat(r, 1)).isEqualTo(r * 2f);
        assertThat(x.getFloat(r, 2)).isEqualTo(r);
      }
    }
  }

  @Test
  void typesChangeOnlyWhenAsked() {
    FeatureSpec doubles = FeatureSpec.builder().features("pixels").featureType(DataType.DOUBLE).label("label").build();
    try (ArrowTensorBatch tensors = doubles.toTensors(batch(3, 0, 0))) {
      assertThat(tensors.features().dataType()).isEqualTo(DataType.DOUBLE);
      assertThat(tensors.features().getDouble(2, 1)).isEqualTo(TestData.pixel(2, 1));
    }
    FeatureSpec ints = FeatureSpec.builder().features("pixels").label("label").labelType(DataType.INT32).build();
    try (ArrowTensorBatch tensors = ints.toTensors(batch(3, 0, 0))) {
      assertThat(tensors.labels().dataType()).isEqualTo(DataType.INT32);
      assertThat(tensors.labels().getInt(2)).isEqualTo(TestData.label(2));
    }
  }

  @Test
  void labelsBecomeOneHotOnRequest() {
    FeatureSpec spec = FeatureSpec.builder().features("pixels").label("label").numClasses(3).oneHot(true).build();
    try (ArrowTensorBatch tensors = spec.toTensors(batch(4, 0, 0))) {
      INDArray y = tensors.labels();
      assertThat(y.shape()).containsExactly(4, 3);
      for (int r = 0; r < 4; r++) {
        for (int k = 0; k < 3; k++) {
          assertThat(y.getFloat(r, k)).isEqualTo(k == TestData.label(r) ? 1f : 0f);
        }
      }
    }
  }

  @Test
  void regressionTargetsWrapAFloatColumn() {
    FeatureSpec spec = FeatureSpec.builder().features("x3").target("x1").build();
    try (ArrowTensorBatch tensors = spec.toTensors(batch(4, 0, 0))) {
      assertThat(tensors.labels().dataType()).isEqualTo(DataType.FLOAT);
      assertThat(tensors.labels().getFloat(3)).isEqualTo(1.5f);
    }
  }

  @Test
  void integerLabelsAreClassIndicesOrNamesByTheirValue() {
    // TestData's labels are id % 3: 0, 1, 2, 0.
    FeatureSpec indices = FeatureSpec.builder().features("x1").label("label").numClasses(3).build();
    try (ArrowTensorBatch tensors = indices.toTensors(batch(4, 0, 0))) {
      assertThat(tensors.labels().toLongVector()).containsExactly(0, 1, 2, 0);
    }
    // As names, in the order the class names give: "2" is class 0.
    FeatureSpec named = FeatureSpec.builder().features("x1").label("label").classNames(List.of("2", "0", "1"))
        .integerLabelsAsNames().build();
    try (ArrowTensorBatch tensors = named.toTensors(batch(4, 0, 0))) {
      assertThat(tensors.labels().toLongVector()).containsExactly(1, 2, 0, 1);
    }
    FeatureSpec missing = FeatureSpec.builder().features("x1").label("label").classNames(List.of("0", "1"))
        .integerLabelsAsNames().build();
    assertThatThrownBy(() -> missing.toTensors(batch(4, 0, 0))).isInstanceOf(LabelRangeException.class)
        .hasMessageContaining("row 2 has label '2', which is not one of [0, 1]");
  }

  @Test
  void dictionaryEncodedStringLabelsBecomeClassIndicesWithNames() {
    try (VectorSchemaRoot plain = VectorSchemaRoot.create(new Schema(List.of(
            Field.nullable("x", new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE)),
            Field.nullable("species", new ArrowType.Utf8()))), allocator);
         VarCharVector names = new VarCharVector("species-dictionary", allocator)) {
      String[] species = {"setosa", "virginica", "versicolor", "setosa"};
      plain.allocateNew();
      for (int r = 0; r < species.length; r++) {
        ((Float4Vector) plain.getVector("x")).setSafe(r, r);
        ((VarCharVector) plain.getVector("species")).setSafe(r, species[r].getBytes(StandardCharsets.UTF_8));
      }
      plain.setRowCount(species.length);
      names.allocateNew();
      String[] dictionary = {"setosa", "versicolor", "virginica"};
      for (int i = 0; i < dictionary.length; i++) {
        names.setSafe(i, dictionary[i].getBytes(StandardCharsets.UTF_8));
      }
      names.setValueCount(dictionary.length);
      DictionaryEncoding encoding = new DictionaryEncoding(7L, false, new ArrowType.Int(32, true));
      Dictionary dict = new Dictionary(names, encoding);
      try (IntVector encoded = (IntVector) DictionaryEncoder.encode(plain.getVector("species"), dict)) {
        Field encodedField = new Field("species", new FieldType(true, new ArrowType.Int(32, true), encoding), null);
        encoded.setValueCount(species.length);
        try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(plain.getVector("x").getField(), encodedField),
            List.of(plain.getVector("x"), encoded), species.length)) {
          ArrowBatch batch = ArrowSources.roots("iris", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          FeatureSpec spec = FeatureSpec.builder().features("x").label("species").build();
          try (ArrowTensorBatch tensors = spec.toTensors(batch)) {
            assertThat(tensors.classNames()).containsExactly(dictionary);
            assertThat(tensors.labels().toLongVector()).containsExactly(0, 2, 1, 0);
          }
          FeatureSpec reordered = FeatureSpec.builder().features("x").label("species")
              .classNames(List.of("virginica", "versicolor", "setosa")).build();
          ArrowBatch again = ArrowSources.roots("iris", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          try (ArrowTensorBatch tensors = reordered.toTensors(again)) {
            assertThat(tensors.labels().toLongVector()).as("mapped by name to the configured order")
                .containsExactly(2, 0, 1, 2);
          }
        }
      }
    }
  }

  @Test
  void aCategoricalColumnIsOneHotEncodedInItsPlaceAndAnUnknownOrNullValueIsAllZerosOrTheOtherCategory() {
    // Plain strings in "city", the same strings dictionary-encoded in "colour" (a dictionary in
    // another order than the categories, with an entry that is not a category).
    String[] cities = {"Oslo", "Rome", "", "Paris", "Lima", null};
    String[] colours = {"red", "blue", "green", null, "red", "blue"};
    try (VectorSchemaRoot plain = VectorSchemaRoot.create(new Schema(List.of(
            Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
            Field.nullable("city", new ArrowType.Utf8()),
            Field.nullable("colour", new ArrowType.Utf8()),
            Field.nullable("label", new ArrowType.Int(32, true)))), allocator);
         VarCharVector entries = new VarCharVector("colour-dictionary", allocator)) {
      plain.allocateNew();
      for (int r = 0; r < cities.length; r++) {
        ((Float4Vector) plain.getVector("x")).setSafe(r, 10 * r);
        if (cities[r] != null) {
          ((VarCharVector) plain.getVector("city")).setSafe(r, cities[r].getBytes(StandardCharsets.UTF_8));
        }
        if (colours[r] != null) {
          ((VarCharVector) plain.getVector("colour")).setSafe(r, colours[r].getBytes(StandardCharsets.UTF_8));
        }
        ((IntVector) plain.getVector("label")).setSafe(r, r % 2);
      }
      plain.setRowCount(cities.length);
      entries.allocateNew();
      String[] dictionary = {"green", "red", "blue"};
      for (int i = 0; i < dictionary.length; i++) {
        entries.setSafe(i, dictionary[i].getBytes(StandardCharsets.UTF_8));
      }
      entries.setValueCount(dictionary.length);
      DictionaryEncoding encoding = new DictionaryEncoding(3L, false, new ArrowType.Int(8, true));
      Dictionary dict = new Dictionary(entries, encoding);
      try (org.apache.arrow.vector.FieldVector encoded =
               (org.apache.arrow.vector.FieldVector) DictionaryEncoder.encode(plain.getVector("colour"), dict)) {
        Field encodedField = new Field("colour", new FieldType(true, new ArrowType.Int(8, true), encoding), null);
        try (VectorSchemaRoot root = new VectorSchemaRoot(
            List.of(plain.getVector("city").getField(), plain.getVector("x").getField(), encodedField,
                plain.getVector("label").getField()),
            List.of(plain.getVector("city"), plain.getVector("x"), encoded, plain.getVector("label")), cities.length)) {
          FeatureSpec spec = FeatureSpec.builder().features("city", "x", "colour").label("label")
              .categories("city", List.of("Lima", "Oslo", "Paris"))
              .categories("colour", List.of("red", "blue"))
              .standardize(Standardization.of(new double[] {0, 0, 0, 20, 0, 0}, new double[] {1, 1, 1, 10, 1, 1}))
              .build();
          ArrowBatch batch = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          try (ArrowTensorBatch tensors = spec.toTensors(batch)) {
            assertThat(tensors.features().toFloatMatrix()).isEqualTo(new float[][] {
                // Lima Oslo Paris | x | red blue
                {0, 1, 0, -2, 1, 0}, // Oslo, red
                {0, 0, 0, -1, 0, 1}, // Rome (not a category), blue
                {0, 0, 0, 0, 0, 0}, // empty (missing) city, green (not a category)
                {0, 0, 1, 1, 0, 0}, // Paris, null colour
                {1, 0, 0, 2, 1, 0}, // Lima, red
                {0, 0, 0, 3, 0, 1}}); // null city, blue
          }
          FeatureSpec withOther = FeatureSpec.builder().features("city", "x", "colour").label("label")
              .categories("city", List.of("Lima", "Oslo", "Paris")).otherCategory("city")
              .categories("colour", List.of("red", "blue")).otherCategory("colour").build();
          ArrowBatch other = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          try (ArrowTensorBatch tensors = withOther.toTensors(other)) {
            assertThat(tensors.features().toFloatMatrix()).isEqualTo(new float[][] {
                // Lima Oslo Paris other | x | red blue other
                {0, 1, 0, 0, 0, 1, 0, 0}, // Oslo, red
                {0, 0, 0, 1, 10, 0, 1, 0}, // Rome (other), blue
                {0, 0, 0, 0, 20, 0, 0, 1}, // empty (missing) city, green (other, from the dictionary)
                {0, 0, 1, 0, 30, 0, 0, 0}, // Paris, null colour
                {1, 0, 0, 0, 40, 1, 0, 0}, // Lima, red
                {0, 0, 0, 0, 50, 0, 1, 0}}); // null city, blue
          }
          FeatureSpec otherCodes = FeatureSpec.builder().features("label").label("label")
              .categories("label", List.of("1")).otherCategory("label").build();
          ArrowBatch integers = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          try (ArrowTensorBatch tensors = otherCodes.toTensors(integers)) {
            assertThat(tensors.features().toFloatMatrix()).as("0 is present, not a category: other")
                .isEqualTo(new float[][] {{0, 1}, {1, 0}, {0, 1}, {1, 0}, {0, 1}, {1, 0}});
          }
          FeatureSpec unstandardized = FeatureSpec.builder().features("city", "x").label("label")
              .categories("city", List.of("Lima", "Oslo", "Paris"))
              .standardize(Standardization.of(new double[] {0, 0}, new double[] {1, 1})).build();
          ArrowBatch again = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          assertThatThrownBy(() -> unstandardized.toTensors(again)).isInstanceOf(ArrowDataException.class)
              .hasMessageContaining("fitted on 2 features but the batch has 4");
          FeatureSpec codes = FeatureSpec.builder().features("label").label("label")
              .categories("label", List.of("1", "7")).build();
          ArrowBatch codeBatch = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          try (ArrowTensorBatch tensors = codes.toTensors(codeBatch)) {
            assertThat(tensors.features().toFloatMatrix()).as("integers compared as their decimal text")
                .isEqualTo(new float[][] {{0, 0}, {1, 0}, {0, 0}, {1, 0}, {0, 0}, {1, 0}});
          }
          FeatureSpec numeric = FeatureSpec.builder().features("x", "city").label("label").build();
          ArrowBatch third = ArrowSources.roots("t", List.of(root), new DictionaryProvider.MapDictionaryProvider(dict),
              allocator, ReadOptions.defaults()).blockFirst();
          assertThatThrownBy(() -> numeric.toTensors(third)).isInstanceOf(ColumnTypeException.class)
              .hasMessageContaining("'city'").hasMessageContaining("FeatureSpec.Builder.categories");
        }
      }
    }
  }

  @Test
  void aBooleanColumnIsAFeatureOfZerosAndOnesAndALabelOfClassesFalseAndTrue() {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(
        Field.nullable("x", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)),
        Field.nullable("flag", ArrowType.Bool.INSTANCE),
        Field.nullable("label", ArrowType.Bool.INSTANCE))), allocator)) {
      root.allocateNew();
      boolean[] flags = {true, false, true};
      for (int r = 0; r < flags.length; r++) {
        ((Float4Vector) root.getVector("x")).setSafe(r, r);
        ((org.apache.arrow.vector.BitVector) root.getVector("flag")).setSafe(r, flags[r] ? 1 : 0);
        ((org.apache.arrow.vector.BitVector) root.getVector("label")).setSafe(r, flags[r] ? 0 : 1);
      }
      root.setRowCount(flags.length);
      FeatureSpec indices = FeatureSpec.builder().features("x", "flag").label("label").build();
      try (ArrowTensorBatch tensors = indices.toTensors(ArrowSources.roots("t", List.of(root), null, allocator,
          ReadOptions.defaults()).blockFirst())) {
        assertThat(tensors.features().toFloatMatrix()).isEqualTo(new float[][] {{0, 1}, {1, 0}, {2, 1}});
        assertThat(tensors.labels().toLongVector()).as("false 0, true 1").containsExactly(0, 1, 0);
      }
      FeatureSpec named = FeatureSpec.builder().features("x").label("label").classNames(List.of("true", "false"))
          .build();
      try (ArrowTensorBatch tensors = named.toTensors(ArrowSources.roots("t", List.of(root), null, allocator,
          ReadOptions.defaults()).blockFirst())) {
        assertThat(tensors.labels().toLongVector()).as("by name").containsExactly(1, 0, 1);
      }
    }
  }

  @Test
  void decimalColumnsAreFeaturesAndTargetsAtTheNearestDouble() {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(
        Field.nullable("price", new ArrowType.Decimal(10, 2, 128)),
        Field.nullable("tax", new ArrowType.Decimal(40, 3, 256)))), allocator)) {
      root.allocateNew();
      String[] prices = {"19.99", "-0.01", "12345678.90"};
      String[] taxes = {"1.234", "0.000", "987654321.123"};
      for (int r = 0; r < prices.length; r++) {
        ((org.apache.arrow.vector.DecimalVector) root.getVector("price")).setSafe(r, new java.math.BigDecimal(prices[r]));
        ((org.apache.arrow.vector.Decimal256Vector) root.getVector("tax")).setSafe(r, new java.math.BigDecimal(taxes[r]));
      }
      root.setRowCount(prices.length);
      FeatureSpec spec = FeatureSpec.builder().features("price").target("tax").featureType(DataType.DOUBLE)
          .labelType(DataType.DOUBLE).build();
      try (ArrowTensorBatch tensors = spec.toTensors(ArrowSources.roots("t", List.of(root), null, allocator,
          ReadOptions.defaults()).blockFirst())) {
        assertThat(tensors.features().toDoubleMatrix()).isEqualTo(new double[][] {{19.99}, {-0.01}, {12345678.90}});
        assertThat(tensors.labels().toDoubleVector()).containsExactly(1.234, 0.0, 987654321.123);
      }
    }
  }

  @Test
  void categoriesMustNameAFeatureAndBeDistinct() {
    assertThatThrownBy(() -> FeatureSpec.builder().features("x").label("label")
        .categories("city", List.of("a")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'city', which is not one of the feature");
    assertThatThrownBy(() -> FeatureSpec.builder().categories("city", List.of("a", "b", "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
    assertThatThrownBy(() -> FeatureSpec.builder().categories("city", List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    assertThatThrownBy(() -> FeatureSpec.builder().features("city").label("label").otherCategory("city").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'city', which has no categories");
    assertThatThrownBy(() -> FeatureSpec.builder().features("city").label("label")
        .categories("city", List.of("a", "")).otherCategory("city").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("empty string");
  }

  @Test
  void badColumnsRaiseTypedErrorsNamingTheColumnAndReleaseTheBatch() {
    assertBad(FeatureSpec.builder().features("pixelz").label("label").build(), MissingColumnException.class,
        "'pixelz'", "not in the batch");
    assertBad(FeatureSpec.builder().features("pixels").label("labels").build(), MissingColumnException.class,
        "'labels'", "the columns are [id, pixels");
    assertBad(FeatureSpec.builder().features("pixels").width(5).label("label").build(), ListWidthException.class,
        "'pixels'", "width 5 but found width 4");
    assertBad(FeatureSpec.builder().features("id", "pixels").label("label").build(), ColumnTypeException.class,
        "'pixels'", "expected a numeric column");
    assertBad(FeatureSpec.builder().features("pixels").label("x2").build(), ColumnTypeException.class,
        "'x2'", "expected integer class indices");
    assertBad(FeatureSpec.builder().features("pixels").label("label").numClasses(2).build(), LabelRangeException.class,
        "'label'", "row 2 has class 2, expected 0 <= class < 2");
  }

  @Test
  void fewerClassesThanClassNamesIsRefusedWhenTheSpecIsBuilt() {
    FeatureSpec.Builder builder = FeatureSpec.builder().features("x").label("species")
        .classNames(List.of("setosa", "versicolor", "virginica")).numClasses(2).oneHot(true);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessage("numClasses(2) is fewer than the 3 classNames [setosa, versicolor, virginica]");
    assertThat(builder.numClasses(3).build()).isNotNull();
  }

  @Test
  void nullFeaturesFailUnlessAFillValueIsConfigured() {
    ArrowBatch batch = batch(4, 0, 0);
    ((Float4Vector) batch.root().getVector("x1")).setNull(2);
    FeatureSpec strict = FeatureSpec.builder().features("x1", "x3").label("label").build();
    assertThatThrownBy(() -> strict.toTensors(batch))
        .isInstanceOf(NullValueException.class).hasMessageContaining("'x1'").hasMessageContaining("row 2");
    assertThat(batch.isClosed()).isTrue();

    ArrowBatch again = batch(4, 0, 0);
    ((Float4Vector) again.root().getVector("x1")).setNull(2);
    FeatureSpec filled = FeatureSpec.builder().features("x1", "x3").fillNulls(-1).label("label").build();
    try (ArrowTensorBatch tensors = filled.toTensors(again)) {
      assertThat(tensors.features().getFloat(2, 0)).isEqualTo(-1f);
      assertThat(tensors.features().getFloat(3, 0)).isEqualTo(1.5f);
    }

    ArrowBatch listNull = batch(4, 0, 0);
    FixedSizeListVector list = (FixedSizeListVector) listNull.root().getVector("pixels");
    list.getDataVector().setNull(9);
    assertThatThrownBy(() -> pixels().toTensors(listNull))
        .isInstanceOf(NullValueException.class).hasMessageContaining("'pixels'").hasMessageContaining("row 2");
  }

  @Test
  void eachFeatureMayHaveItsOwnFillValueAppliedBeforeStandardization() {
    ArrowBatch batch = batch(4, 0, 0);
    ((Float4Vector) batch.root().getVector("x1")).setNull(1);
    ((IntVector) batch.root().getVector("x3")).setNull(3);
    FeatureSpec filled = FeatureSpec.builder().features("x1", "x3").fillNulls(10, 20)
        .standardize(Standardization.of(new double[] {0, 10}, new double[] {2, 5}))
        .featureType(DataType.DOUBLE).label("label").build();
    try (ArrowTensorBatch tensors = filled.toTensors(batch)) {
      assertThat(tensors.features().getDouble(1, 0)).isEqualTo((10 - 0) / 2.0);
      assertThat(tensors.features().getDouble(3, 1)).isEqualTo((20 - 10) / 5.0);
    }

    ArrowBatch pixels = batch(4, 0, 0);
    FixedSizeListVector list = (FixedSizeListVector) pixels.root().getVector("pixels");
    list.getDataVector().setNull(9);
    FeatureSpec wrongCount = FeatureSpec.builder().features("pixels").fillNulls(1, 2).label("label").build();
    assertThatThrownBy(() -> wrongCount.toTensors(pixels))
        .isInstanceOf(ArrowDataException.class)
        .hasMessageContaining("2 fill values were given for nulls but the batch has");
    assertThatThrownBy(() -> FeatureSpec.builder().fillNulls())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nullsInAListColumnOfOneWidthAreFilledWhenAFillValueIsConfigured() {
    // What Parquet gives back for a fixed-size list: a variable-size list whose rows have one
    // width; here with a null feature (row 0) and a null row (row 2, of no values).
    ArrowBatch strict = listBatch(new float[][] {{1, Float.NaN}, {3, 4}, null, {5, 6}}, true);
    ArrowBatch again = strict.retain(); // the failed conversion closes its handle
    assertThatThrownBy(() -> FeatureSpec.builder().features("xs").label("label").build().toTensors(strict))
        .isInstanceOf(NullValueException.class).hasMessageContaining("'xs'").hasMessageContaining("row 0");
    FeatureSpec filled = FeatureSpec.builder().features("xs").fillNulls(-1).label("label").build();
    try (ArrowTensorBatch tensors = filled.toTensors(again)) {
      assertThat(tensors.features().toFloatMatrix())
          .isEqualTo(new float[][] {{1, -1}, {3, 4}, {-1, -1}, {5, 6}});
    }
  }

  @Test
  void nanIsAMissingValueThatAFillValueReplacesInEveryLayoutAndThatIsKeptWithoutOne() {
    FeatureSpec filled = FeatureSpec.builder().features("x1", "x3").fillNulls(-1).label("label").build();
    FeatureSpec strict = FeatureSpec.builder().features("x1", "x3").label("label").build();
    for (FeatureSpec spec : List.of(filled, strict)) {
      ArrowBatch batch = batch(4, 0, 0);
      ((Float4Vector) batch.root().getVector("x1")).set(1, Float.NaN);
      try (ArrowTensorBatch tensors = spec.toTensors(batch)) {
        assertThat(tensors.features().getFloat(1, 0)).isEqualTo(Float.valueOf(spec == filled ? -1f : Float.NaN));
        assertThat(tensors.features().getFloat(2, 0)).isFinite();
      }
    }

    FeatureSpec filledPixels =
        FeatureSpec.builder().features("pixels").fillNulls(-1).label("label").numClasses(TestData.CLASSES).build();
    for (FeatureSpec spec : List.of(filledPixels, pixels())) {
      try (ArrowBatch batch = batch(4, 0, 0)) {
        Float4Vector values = (Float4Vector) ((FixedSizeListVector) batch.root().getVector("pixels")).getDataVector();
        values.set(2 * TestData.WIDTH + 3, Float.NaN);
        try (ArrowTensorBatch tensors = spec.toTensors(batch.retain())) {
          assertThat(tensors.features().getFloat(2, 3)).isEqualTo(Float.valueOf(spec == filledPixels ? -1f : Float.NaN));
          assertThat(tensors.features().data().address() == values.getDataBuffer().memoryAddress())
              .as("copied only to be filled").isEqualTo(spec != filledPixels);
        }
      }
    }

    // A list column of one width, as Parquet gives back a fixed-size list: NaN in its last row.
    try (ArrowBatch lists = listBatch(new float[][] {{1, 2}, {3, 4}, {5, Float.NaN}}, false)) {
      try (ArrowTensorBatch tensors =
          FeatureSpec.builder().features("xs").fillNulls(-1).label("label").build().toTensors(lists.retain())) {
        assertThat(tensors.features().toFloatMatrix()).isEqualTo(new float[][] {{1, 2}, {3, 4}, {5, -1}});
      }
    }
  }

  /**
   * A batch of a list column "xs" of two floats per row and an integer label: a null row where
   * {@code rows} has null, and NaN as a null element when {@code nanIsNull}, else as a value.
   */
  private ArrowBatch listBatch(float[][] rows, boolean nanIsNull) {
    ListVector xs = ListVector.empty("xs", allocator);
    xs.addOrGetVector(FieldType.nullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)));
    xs.allocateNew();
    Float4Vector values = (Float4Vector) xs.getDataVector();
    for (int r = 0; r < rows.length; r++) {
      if (rows[r] == null) {
        xs.setNull(r);
        continue;
      }
      int at = xs.startNewValue(r);
      for (int c = 0; c < 2; c++) {
        if (nanIsNull && Float.isNaN(rows[r][c])) {
          values.setNull(at + c);
        } else {
          values.setSafe(at + c, rows[r][c]);
        }
      }
      xs.endValue(r, 2);
    }
    xs.setValueCount(rows.length);
    IntVector label = new IntVector("label", allocator);
    label.allocateNew(rows.length);
    for (int r = 0; r < rows.length; r++) {
      label.set(r, r % 2);
    }
    label.setValueCount(rows.length);
    return new ArrowBatch(new VectorSchemaRoot(List.of(xs, label)), Map.of(), new BatchPosition("lists", 0, 0), null);
  }

  private void assertBad(FeatureSpec spec, Class<? extends ArrowDataException> type, String column, String message) {
    ArrowBatch batch = batch(4, 0, 0);
    assertThatThrownBy(() -> spec.toTensors(batch))
        .isInstanceOf(type).hasMessageContaining(column).hasMessageContaining(message);
    assertThat(batch.isClosed()).isTrue();
  }

  @Test
  void aBatchCanBeBuiltFromParts() {
    ArrowBatch source = batch(2, 0, 0);
    ArrowBatch copy = new ArrowBatch(source.root(), Map.of(), new BatchPosition("parts", 0, 0), null);
    assertThat(copy.rowCount()).isEqualTo(2);
    copy.close();
    source.close();
  }
}
