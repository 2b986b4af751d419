package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.LabelRangeException;
import io.solstice.arrow.MissingColumnException;
import io.solstice.arrow.NullValueException;
import io.solstice.cuda.ArrowBatches;
import io.solstice.cuda.DeviceColumns;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchBuffersTest {

  private static final DeviceColumns COLUMNS = new DeviceColumns(ArrowBatches.FEATURES, ArrowBatches.LABELS, 3);
  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void noLeaks() {
    allocator.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 8})
  void pointsAtArrowsOwnBuffersForEverySignedLabelWidth(int labelBytes) {
    float[] features = {1, 2, 3, 4, 5, 6};
    try (ArrowBatch batch = ArrowBatches.of(allocator, features, 2, new long[] {0, 2, 1}, labelBytes, 0)) {
      BatchBuffers buffers = BatchBuffers.locate(batch, COLUMNS);

      FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector("x");
      FieldVector labels = batch.root().getVector("y");
      assertThat(buffers).isEqualTo(new BatchBuffers(
          3, 2, list.getDataVector().getDataBuffer().memoryAddress(), 24,
          labels.getDataBuffer().memoryAddress(), 3L * labelBytes, labelBytes));
      // The address is Arrow's memory itself: reading it gives the batch's values.
      assertThat(org.apache.arrow.memory.util.MemoryUtil.getInt(buffers.featuresAddress() + 4))
          .isEqualTo(Float.floatToIntBits(2f));
    }
  }

  @Test
  void aMissingColumnIsNamedWithTheColumnsPresent() {
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[2], 2, new long[] {0}, 0)) {
      assertThatThrownBy(() -> BatchBuffers.locate(batch, new DeviceColumns("pixels", "y", 3)))
          .isInstanceOf(MissingColumnException.class)
          .hasMessageContaining("pixels").hasMessageContaining("[x, y]");
    }
  }

  @Test
  void aLabelOutsideTheClassesIsRefusedWithItsRow() {
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[6], 2, new long[] {0, 3, 1}, 0)) {
      assertThatThrownBy(() -> BatchBuffers.locate(batch, COLUMNS))
          .isInstanceOf(LabelRangeException.class)
          .hasMessageContaining("row 1").hasMessageContaining("label 3").hasMessageContaining("[0, 3)");
    }
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[2], 2, new long[] {-1}, 8, 0)) {
      assertThatThrownBy(() -> BatchBuffers.locate(batch, COLUMNS)).hasMessageContaining("label -1");
    }
  }

  @Test
  void featuresMustBeAFixedSizeListOfFloat32() {
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[2], 2, new long[] {0}, 0)) {
      assertThatThrownBy(() -> BatchBuffers.locate(batch, new DeviceColumns("y", "x", 3)))
          .isInstanceOf(ColumnTypeException.class)
          .hasMessageContaining("FixedSizeList<Float32>").hasMessageContaining("Int(32, true)");
    }
  }

  @Test
  void unsignedLabelsAreRefused() {
    try (ArrowBatch batch = batchWith(new UInt4Vector("y", allocator))) {
      assertThatThrownBy(() -> BatchBuffers.locate(batch, COLUMNS))
          .isInstanceOf(ColumnTypeException.class).hasMessageContaining("Int(32, false)");
    }
  }

  @Test
  void nullFeaturesOrLabelsAreRefused() {
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[4], 2, new long[] {0, 1}, 0)) {
      ((Float4Vector) ((FixedSizeListVector) batch.root().getVector("x")).getDataVector()).setNull(3);
      assertThatThrownBy(() -> BatchBuffers.locate(batch, COLUMNS))
          .isInstanceOf(NullValueException.class).hasMessageContaining("x");
    }
    try (ArrowBatch batch = ArrowBatches.of(allocator, new float[4], 2, new long[] {0, 1}, 0)) {
      ((IntVector) batch.root().getVector("y")).setNull(1);
      assertThatThrownBy(() -> BatchBuffers.locate(batch, COLUMNS))
          .isInstanceOf(NullValueException.class).hasMessageContaining("1 null labels");
    }
  }

  private ArrowBatch batchWith(FieldVector labels) {
    ArrowBatch source = ArrowBatches.of(allocator, new float[2], 2, new long[] {0}, 0);
    FieldVector features = source.root().getVector("x");
    org.apache.arrow.vector.util.TransferPair transfer = features.getTransferPair(allocator);
    transfer.transfer();
    source.close();
    labels.setInitialCapacity(1);
    labels.allocateNew();
    labels.setValueCount(1);
    VectorSchemaRoot root = new VectorSchemaRoot(List.of((FieldVector) transfer.getTo(), labels));
    root.setRowCount(1);
    return new ArrowBatch(root, Map.of(), new BatchPosition("test", 0, 0), null);
  }
}
