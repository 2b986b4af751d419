package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.reactive.ModelVersion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** Streaming prediction: input columns passed through untouched, correct predictions, served over Flight. */
class PredictionTest {
  static final FeatureSpec SPEC = FeatureSpec.builder().features("pixels").label("label").build();
  static final ShiftModel MODEL = new ShiftModel(0);

  /** A stand-in model whose class for row id is (id + shift) % 3, with probabilities 0.8 / 0.1 / 0.1. */
  record ShiftModel(int shift) {}

  static INDArray scores(ShiftModel model, INDArray features) {
    int rows = (int) features.size(0);
    INDArray out = Nd4j.valueArrayOf(new long[] {rows, TestData.CLASSES}, 0.1f, DataType.FLOAT);
    for (int r = 0; r < rows; r++) {
      long id = Math.round(features.getFloat(r, 0) / 10);
      out.putScalar(r, (id + model.shift()) % TestData.CLASSES, 0.8f);
    }
    return out;
  }

  static long expectedClass(long id) {
    return id % TestData.CLASSES;
  }

  private final StoredSources data = new StoredSources();
  private final BufferAllocator allocator = data.allocator;
  private final List<VectorSchemaRoot> stored = data.roots;

  @AfterEach
  void close() {
    data.close(); // fails on a leaked byte
  }

  /** One source over {@code batches} stored TestData batches of {@code rows} rows. */
  private Flux<ArrowBatch> source(int batches, int rows) {
    return data.source("t", 0, batches, rows);
  }

  @Test
  void outputKeepsTheInputBuffersAndReadsBackWithCorrectPredictions() throws IOException {
    ByteArrayOutputStream ipc = new ByteArrayOutputStream();
    List<ArrowBatch> outputs = source(3, 5).transform(ArrowFlux.predict(SPEC, MODEL, PredictionTest::scores))
        .collectList().block();
    try {
      for (int b = 0; b < outputs.size(); b++) {
        VectorSchemaRoot in = stored.get(b);
        VectorSchemaRoot out = outputs.get(b).root();
        // While the batch is alive, every input column is the very same memory as the stored root's.
        for (FieldVector column : in.getFieldVectors()) {
          assertThat(addresses(out.getVector(column.getName()))).as(column.getName()).isEqualTo(addresses(column));
        }
        assertThat(out.getSchema().getFields().subList(0, in.getFieldVectors().size()))
            .isEqualTo(in.getSchema().getFields());
      }
      writeStream(outputs, ipc);
    } finally {
      outputs.forEach(ArrowBatch::close);
    }

    int rows = 0;
    try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipc.toByteArray()), allocator)) {
      VectorSchemaRoot read = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        try (VectorSchemaRoot expected = VectorSchemaRoot.create(TestData.schema(), allocator)) {
          TestData.fill(expected, ((BigIntVector) read.getVector("id")).get(0), read.getRowCount());
          for (FieldVector column : expected.getFieldVectors()) {
            assertThat(read.getVector(column.getName()).getField()).isEqualTo(column.getField());
            for (int r = 0; r < read.getRowCount(); r++) {
              assertThat(read.getVector(column.getName()).getObject(r)).isEqualTo(column.getObject(r));
            }
          }
        }
        checkPredictions(read, 0);
        rows += read.getRowCount();
      }
    }
    assertThat(rows).isEqualTo(15);
  }

  @Test
  void aFlightClientReceivesThePredictions() {
    Flux<ArrowBatch> source = source(4, 6);
    try (FlightBatchServer server = FlightBatchServer.builder(allocator,
        ticket -> source.transform(ArrowFlux.predict(SPEC, MODEL, PredictionTest::scores))).start()) {
      List<Integer> rows = ArrowSources.flight(server.location(), new Ticket("p".getBytes(StandardCharsets.UTF_8)),
              allocator, ReadOptions.defaults())
          .map(batch -> {
            try (batch) {
              checkPredictions(batch.root(), 0);
              return batch.rowCount();
            }
          })
          .collectList().block(Duration.ofSeconds(30));
      assertThat(rows).containsExactly(6, 6, 6, 6);
    }
  }

  @Test
  void aPredictorSwitchesToANewVersionBetweenBatches() {
    Sinks.Many<ModelVersion<ShiftModel>> versions = Sinks.many().replay().latest();
    Flux<ArrowBatch> predictions = source(4, 3).transform(ArrowFlux.predict(SPEC, versions.asFlux(), PredictionTest::scores));
    StepVerifier.create(predictions, 0)
        .then(() -> versions.tryEmitNext(new ModelVersion<>(1, 0, new ShiftModel(0))))
        .thenRequest(1)
        .assertNext(b -> checkAndClose(b, 1, 0))
        .thenRequest(1)
        .assertNext(b -> checkAndClose(b, 1, 0))
        .then(() -> versions.tryEmitNext(new ModelVersion<>(2, 10, new ShiftModel(1))))
        .thenRequest(1)
        .assertNext(b -> checkAndClose(b, 2, 1))
        .then(versions::tryEmitComplete) // the run ended: the last version stays in use
        .thenRequest(1)
        .assertNext(b -> checkAndClose(b, 2, 1))
        .thenRequest(1)
        .expectComplete()
        .verify(Duration.ofSeconds(30));
  }

  @Test
  void noBatchIsReadBeforeTheFirstVersionAndAVersionStreamThatEndsEmptyFails() {
    List<Long> reads = new ArrayList<>();
    List<String> order = new CopyOnWriteArrayList<>();
    Flux<ArrowBatch> predictions = source(2, 3)
        .doOnSubscribe(s -> order.add("source subscribed"))
        .doOnCancel(() -> order.add("source cancelled"))
        .doOnNext(b -> reads.add(b.position().batch()))
        .transform(ArrowFlux.predict(SPEC, Flux.<ModelVersion<ShiftModel>>empty(), PredictionTest::scores))
        .doOnError(e -> order.add("error delivered"));
    assertThatThrownBy(predictions::blockLast).hasMessageContaining("ended before the first");
    assertThat(reads).isEmpty();
    // The source was let go of before the error arrived, so the allocator can close right away.
    assertThat(order).containsExactly("source subscribed", "source cancelled", "error delivered");
  }

  @Test
  void aBatchThatAlreadyHasAPredictionColumnIsRefusedAndClosed() {
    Flux<ArrowBatch> twice = source(2, 3)
        .transform(ArrowFlux.predict(SPEC, MODEL, PredictionTest::scores))
        .transform(ArrowFlux.predict(SPEC, MODEL, PredictionTest::scores));
    assertThatThrownBy(twice::blockLast).hasMessageContaining("already has a column named 'prediction'");
  }

  private static void checkAndClose(ArrowBatch batch, long version, int shift) {
    try (batch) {
      checkPredictions(batch.root(), shift);
      BigIntVector versions = (BigIntVector) batch.root().getVector(ArrowFlux.MODEL_VERSION);
      for (int r = 0; r < batch.rowCount(); r++) {
        assertThat(versions.get(r)).isEqualTo(version);
      }
    }
  }

  /** The prediction and probability columns agree with {@link ShiftModel} for every row. */
  static void checkPredictions(VectorSchemaRoot root, int shift) {
    BigIntVector ids = (BigIntVector) root.getVector("id");
    IntVector prediction = (IntVector) root.getVector(ArrowFlux.PREDICTION);
    FixedSizeListVector probabilities = (FixedSizeListVector) root.getVector(ArrowFlux.PROBABILITIES);
    Float4Vector values = (Float4Vector) probabilities.getDataVector();
    assertThat(probabilities.getListSize()).isEqualTo(TestData.CLASSES);
    for (int r = 0; r < root.getRowCount(); r++) {
      int expected = (int) ((ids.get(r) + shift) % TestData.CLASSES);
      assertThat(prediction.get(r)).as("row id %d", ids.get(r)).isEqualTo(expected);
      for (int c = 0; c < TestData.CLASSES; c++) {
        assertThat(values.get(r * TestData.CLASSES + c)).isEqualTo(c == expected ? 0.8f : 0.1f);
      }
    }
  }

  private static List<Long> addresses(FieldVector vector) {
    List<Long> out = new ArrayList<>();
    vector.getFieldBuffers().forEach(b -> out.add(b.memoryAddress()));
    for (FieldVector child : vector.getChildrenFromFields()) {
      out.addAll(addresses(child));
    }
    return out;
  }

  private static void writeStream(List<ArrowBatch> batches, ByteArrayOutputStream out) throws IOException {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(batches.get(0).schema(), batches.get(0).root()
             .getFieldVectors().get(0).getAllocator());
         ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
      writer.start();
      for (ArrowBatch b : batches) {
        try (org.apache.arrow.vector.ipc.message.ArrowRecordBatch records =
                 new org.apache.arrow.vector.VectorUnloader(b.root()).getRecordBatch()) {
          new org.apache.arrow.vector.VectorLoader(root).load(records);
          writer.writeBatch();
        }
      }
      writer.end();
    }
  }
}
