package io.solstice.online.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.ColumnTypeException;
import io.solstice.arrow.ListWidthException;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.metrics.RegressionMetrics;
import io.solstice.core.nd4j.SubnormalMoments;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.RandomRbfGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdaGradUpdater;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** The online linear models: engine runs, exact resume, the updaters' arithmetic, bad input. */
class OnlineLinearModelsTest {

  @Test
  void softmaxRegressionLearnsAThreeClassRbfStreamThroughTheEngine() {
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression model =
          new OnlineLogisticRegression(5, 3, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
      List<TrainingEvent<OnlineLogisticRegression, ClassificationMetrics>> events = Solstice.run(model)
          .train(DriftingStreams.arrow(() -> new RandomRbfGenerator(1, 2, 3, 5, 10, 0, 0), 1_000, allocator)
              .take(30))
          .events().collectList().block();
      ClassificationMetrics epoch = events.stream()
          .filter(e -> e instanceof TrainingEvent.EpochEnded<?, ?>)
          .map(e -> ((TrainingEvent.EpochEnded<OnlineLogisticRegression, ClassificationMetrics>) e).metrics())
          .findFirst().orElseThrow();
      assertThat(epoch.count()).isEqualTo(30_000);
      assertThat(model.rowsLearned()).isEqualTo(30_000);
      // Majority class of this stream is well under 0.6; the model must do clearly better.
      assertThat(epoch.compute().get("accuracy")).isGreaterThan(0.6);
    }
  }

  @Test
  void logisticRegressionResumesExactlyFromACheckpointWithEveryUpdater(@TempDir Path directory) {
    for (LinearOptions options : List.of(
        LinearOptions.defaults(),
        LinearOptions.defaults().withUpdater(new AdaGrad(0.1)).withL2(1e-3),
        LinearOptions.defaults().withUpdater(new Adam(0.01)).withPerRow(false))) {
      try (BufferAllocator allocator = new RootAllocator()) {
        OnlineLogisticRegression uninterrupted = new OnlineLogisticRegression(5, 3, options);
        train(uninterrupted, allocator, 0, 20);

        OnlineLogisticRegression first = new OnlineLogisticRegression(5, 3, options);
        train(first, allocator, 0, 9);
        CheckpointStore store = CheckpointStore.open(directory.resolve(options.updater().getClass().getSimpleName()));
        Path file = store.write(first.state(), CheckpointManifest.at(new RunPosition(0, 9, 9, 0)));
        OnlineLogisticRegression resumed =
            new OnlineLogisticRegression(5, 3, options).withState(CheckpointStore.load(file).state());
        assertThat(resumed.state()).isEqualTo(first.state());
        train(resumed, allocator, 9, 20);

        assertThat(resumed.state()).isEqualTo(uninterrupted.state());
        assertThat(resumed.rowsLearned()).isEqualTo(20 * 500);
      }
    }
  }

  @Test
  void aStateOfAnotherShapeIsRefusedByName() {
    NamedArrays state = new OnlineLogisticRegression(5, 3, LinearOptions.defaults()).state();
    assertThatThrownBy(() -> new OnlineLogisticRegression(4, 3, LinearOptions.defaults()).withState(state))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'W'");
    assertThatThrownBy(() -> new OnlineLogisticRegression(5, 3, LinearOptions.defaults()
        .withUpdater(new Adam(0.1))).withState(state))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("updater/M");
  }

  private static void train(OnlineLogisticRegression model, BufferAllocator allocator, int from, int to) {
    for (ArrowBatch batch : DriftingStreams.arrow(() -> new RandomRbfGenerator(1, 2, 3, 5, 10, 0.001, 5), 500, allocator)
        .skip(from).doOnDiscard(ArrowBatch.class, ArrowBatch::close).take(to - from).toIterable()) {
      try (batch) {
        model.trainStep(batch);
      }
    }
  }

  @Test
  void linearRegressionRecoversTheWeightsOfANoisyLinearTarget() {
    double[] truth = {2, -3, 0.5};
    double bias = 1.5;
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLinearRegression model =
          new OnlineLinearRegression(3, LinearOptions.defaults().withUpdater(new Sgd(0.05)));
      Random random = new Random(3);
      RegressionMetrics last = null;
      for (int b = 0; b < 40; b++) {
        try (ArrowBatch batch = regressionBatch(allocator, random, truth, bias, 500)) {
          last = model.trainStep(batch).outputs();
        }
      }
      float[] probe = {1, 1, 1};
      assertThat(model.predict(probe)).isCloseTo(2 - 3 + 0.5 + 1.5, org.assertj.core.data.Offset.offset(0.05));
      assertThat(model.predict(new float[3])).isCloseTo(bias, org.assertj.core.data.Offset.offset(0.05));
      // The prequential error of the last batch is the noise's (standard deviation 0.1).
      assertThat(last.compute().get("rmse")).isBetween(0.08, 0.13);
      assertThat(model.rowsLearned()).isEqualTo(20_000);
    }
  }

  @Test
  void linearRegressionRowErrorsAreSquaredResidualsAndLearnNothing() {
    double[] truth = {2, -3, 0.5};
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLinearRegression model =
          new OnlineLinearRegression(3, LinearOptions.defaults().withUpdater(new Sgd(0.05)));
      Random random = new Random(5);
      try (ArrowBatch first = regressionBatch(allocator, random, truth, 1.5, 300);
          ArrowBatch second = regressionBatch(allocator, random, truth, 1.5, 300)) {
        model.trainStep(first);
        long learned = model.rowsLearned();

        var rows = model.evaluateRows(second);

        double mean = java.util.Arrays.stream(rows.errors()).average().orElseThrow();
        assertThat(rows.errors()).hasSize(300);
        assertThat(java.util.Arrays.stream(rows.errors()).min().orElseThrow()).isGreaterThanOrEqualTo(0);
        assertThat(mean).isCloseTo(rows.outputs().compute().get("mse"), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(rows.outputs().compute()).isEqualTo(model.evalStep(second).outputs().compute());
        assertThat(model.rowsLearned()).isEqualTo(learned);
      }
    }
  }

  private static ArrowBatch regressionBatch(
      BufferAllocator allocator, Random random, double[] truth, double bias, int rows) {
    Field element = new Field(
        "item", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
    Schema schema = new Schema(List.of(
        new Field("features", FieldType.notNullable(new ArrowType.FixedSizeList(truth.length)), List.of(element)),
        new Field("label", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)), null)));
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    root.allocateNew();
    FixedSizeListVector list = (FixedSizeListVector) root.getVector("features");
    Float4Vector values = (Float4Vector) list.getDataVector();
    Float8Vector targets = (Float8Vector) root.getVector("label");
    for (int r = 0; r < rows; r++) {
      list.setNotNull(r);
      double y = bias + random.nextGaussian() * 0.1;
      for (int i = 0; i < truth.length; i++) {
        float x = (float) (random.nextDouble() * 2 - 1);
        values.setSafe(r * truth.length + i, x);
        y += truth[i] * x;
      }
      targets.setSafe(r, y);
    }
    values.setValueCount(rows * truth.length);
    root.setRowCount(rows);
    return new ArrowBatch(root, Map.of(), new BatchPosition("regression", 0, 0), null);
  }

  @Test
  void adamAndAdaGradStepsEqualNd4jsUpdaters() {
    Random random = new Random(9);
    for (String kind : List.of("adam", "adagrad")) {
      int n = 17;
      LinearUpdater ours = new LinearUpdater(kind.equals("adam") ? new Adam(0.01) : new AdaGrad(0.1), n);
      INDArray state = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT,
          kind.equals("adam") ? 2L * n : n);
      var theirs = kind.equals("adam")
          ? new AdamUpdater(new Adam(0.01)) : new AdaGradUpdater(new AdaGrad(0.1));
      theirs.setStateViewArray(state, new long[] {1, n}, 'c', true);
      float[] parameters = new float[n];
      INDArray nd4jParameters = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, n);
      for (int iteration = 0; iteration < 50; iteration++) {
        float[] gradient = new float[n];
        for (int i = 0; i < n; i++) {
          gradient[i] = (float) random.nextGaussian();
        }
        INDArray nd4jGradient = Nd4j.createFromArray(gradient.clone());
        ours.step(parameters, gradient);
        theirs.applyUpdater(nd4jGradient, iteration, 0);
        nd4jParameters.subi(nd4jGradient);
      }
      float[] expected = nd4jParameters.toFloatVector();
      for (int i = 0; i < n; i++) {
        assertThat(parameters[i]).as("%s parameter %d", kind, i)
            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
      }
    }
  }

  @Test
  void adamsMomentsThatUnderflowAreStoredAsZero() {
    // Parameter 0's gradient is zero after the first step (a sparse feature), so its first moment
    // decays into the subnormal range; parameter 1's gradient squared underflows at once.
    for (double epsilon : new double[] {1e-8, 1e-12}) {
      LinearUpdater updater = new LinearUpdater(Adam.builder().learningRate(0.01).epsilon(epsilon).build(), 2);
      float[] parameters = {0.5f, 0.5f};
      float[] firstSeen = new float[2];
      for (int iteration = 0; iteration < 1_000; iteration++) {
        updater.step(parameters, new float[] {iteration == 0 ? 0.3f : 0f, 1e-21f});
        firstSeen[0] = iteration == 0 ? updater.first[0] : firstSeen[0];
      }
      assertThat(firstSeen[0]).as("a normal first moment at first").isGreaterThan(Float.MIN_NORMAL);
      assertThat(updater.first[0]).as("epsilon %s: first moment", epsilon).isZero();
      assertThat(updater.first[1]).as("epsilon %s: a normal first moment kept", epsilon)
          .isGreaterThan(Float.MIN_NORMAL);
      if (epsilon >= SubnormalMoments.SECOND_MOMENT_EPSILON_FROM) {
        assertThat(updater.second[1]).as("epsilon %s: second moment", epsilon).isZero();
      } else {
        assertThat(updater.second[1]).as("epsilon %s: second moment kept", epsilon)
            .isGreaterThan(0f).isLessThan(Float.MIN_NORMAL);
      }
    }
  }

  @Test
  void aRowsUpdateAppliedAsComputedEqualsTheStepOnItsGradientValueForValue() {
    Random random = new Random(4);
    int outputs = 3;
    int features = 5;
    for (var updater : List.of(new Sgd(0.05), new AdaGrad(0.1), new Adam(0.01))) {
      int length = outputs * features + outputs;
      LinearUpdater perRow = new LinearUpdater(updater, length);
      LinearUpdater onGradient = new LinearUpdater(updater, length);
      float[] a = new float[length];
      float[] b = new float[length];
      float l2 = 1e-3f;
      for (int row = 0; row < 200; row++) {
        float[] x = new float[features + 2];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) random.nextGaussian();
        }
        double[] dz = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
        perRow.stepRow(a, outputs, features, x, 2, dz, l2);
        // The same row's gradient written out as the per-batch path builds it, a batch of one.
        float[] gradient = new float[length];
        for (int k = 0; k < outputs; k++) {
          for (int i = 0; i < features; i++) {
            gradient[k * features + i] = (float) dz[k] * x[2 + i] * 1f + l2 * b[k * features + i];
          }
          gradient[outputs * features + k] = (float) dz[k] * 1f + 0;
        }
        onGradient.step(b, gradient);
      }
      assertThat(a).as("%s", updater).containsExactly(b);
    }
  }

  @Test
  void batchesOfChangingSizesLearnExactlyAsRowByRow() {
    try (BufferAllocator allocator = new RootAllocator()) {
      for (LinearOptions options : List.of(
          LinearOptions.defaults().withUpdater(new AdaGrad(0.1)).withL2(1e-3),
          LinearOptions.defaults().withUpdater(new Adam(0.01)))) {
        OnlineLogisticRegression batched = new OnlineLogisticRegression(5, 3, options);
        OnlineLogisticRegression rowByRow = new OnlineLogisticRegression(5, 3, options);
        RandomRbfGenerator generator = new RandomRbfGenerator(1, 2, 3, 5, 10, 0, 0);
        long wrong = 0;
        for (int size : new int[] {7, 7, 3, 50, 1, 50}) {
          try (ArrowBatch batch = DriftingStreams.arrow(() -> generator, size, allocator).blockFirst()) {
            ClassificationMetrics metrics = batched.trainStep(batch).outputs();
            FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector("features");
            Float4Vector values = (Float4Vector) list.getDataVector();
            org.apache.arrow.vector.IntVector labels =
                (org.apache.arrow.vector.IntVector) batch.root().getVector("label");
            double[] errors = batched.lastRowErrors();
            assertThat(errors).hasSize(size);
            for (int r = 0; r < size; r++) {
              float[] x = new float[5];
              for (int i = 0; i < 5; i++) {
                x[i] = values.get(r * 5 + i);
              }
              int predicted = rowByRow.learn(x, labels.get(r));
              assertThat(errors[r]).isEqualTo(predicted == labels.get(r) ? 0 : 1);
              wrong += predicted == labels.get(r) ? 0 : 1;
            }
            assertThat(metrics.count()).isEqualTo(size);
          }
        }
        assertThat(batched.state()).isEqualTo(rowByRow.state());
        assertThat(batched.rowsLearned()).isEqualTo(118);
        assertThat(wrong).isPositive();
      }
    }
  }

  @Test
  void otherUpdatersAndBadColumnsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new OnlineLogisticRegression(3, 2, LinearOptions.defaults()
        .withUpdater(new Nesterovs(0.1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Nesterovs");
    try (BufferAllocator allocator = new RootAllocator()) {
      OnlineLogisticRegression wide = new OnlineLogisticRegression(4, 2, LinearOptions.defaults());
      try (ArrowBatch batch = DriftingStreams.arrow(() -> io.solstice.online.streams.SeaGenerator.of(1, 1), 10, allocator)
          .blockFirst()) {
        assertThatThrownBy(() -> wide.trainStep(batch)).isInstanceOf(ListWidthException.class)
            .hasMessageContaining("features");
      }
      OnlineLogisticRegression classifier = new OnlineLogisticRegression(3, 2, LinearOptions.defaults());
      try (ArrowBatch batch = regressionBatch(allocator, new Random(1), new double[] {1, 2, 3}, 0, 5)) {
        assertThatThrownBy(() -> classifier.trainStep(batch)).isInstanceOf(ColumnTypeException.class)
            .hasMessageContaining("label");
      }
    }
  }
}
