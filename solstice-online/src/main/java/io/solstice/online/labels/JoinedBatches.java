package io.solstice.online.labels;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.LabeledSchema;
import io.solstice.core.Mode;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import reactor.core.publisher.Flux;

/**
 * Delayed labels into a training run: the rows a {@link DelayedLabels} join emits, batched into
 * Arrow batches that a run trains on, so each label trains once, through the engine, when it
 * arrives.
 *
 * <pre>{@code
 * DelayedLabels<Long, float[], Integer, Integer> join = new DelayedLabels<>(
 *     features -> latest.get().predict(features), 10_000, Duration.ofMinutes(10), System::nanoTime);
 * Flux<ArrowBatch> batches = JoinedBatches.arrow(arrivals.transform(join::join), 3, 256, allocator);
 * Solstice.run(model).train(batches)
 *     .subscribers(publisher, JoinedBatches.evaluation(2))   // publisher: a ModelPublisher
 *     .block();
 * }</pre>
 *
 * <p>A batch has the columns of {@link LabeledSchema} ({@value LabeledSchema#FEATURES}, {@value
 * LabeledSchema#LABEL}), which a model trains on, then {@value ArrowFlux#PREDICTION} (Int32, the
 * prediction made when the features arrived, before the label was known) and {@value #KEY} (Int64,
 * the row's key). {@link #evaluation} evaluates that earlier prediction for each train step and
 * raises the result in the run's event stream; {@link #rowErrors()} gives its per-row errors to a
 * drift detector ({@code DriftReaction.of(new Adwin(), JoinedBatches.rowErrors(), ...)}).
 *
 * <p>Threads: the engine reads a source on a reader thread of its own, so the join (and the
 * prediction it makes for each arriving row) runs there, while the model trains on the training
 * thread. Predict with a copy of the model, never with the one being trained: a {@link
 * io.solstice.reactive.ModelPublisher} subscriber publishes copies as training goes.
 *
 * <p>Memory: the join holds at most its {@code maxPending} rows, this operator at most one batch
 * of joined rows, and the run at most {@code prefetch + 2} batches (the engine's backpressure).
 */
public final class JoinedBatches {

  /** The key column. */
  public static final String KEY = "key";

  /** The name of the {@link #evaluation} signal in a run's event stream. */
  public static final String EVALUATION = "evaluated-before-label";

  private JoinedBatches() {}

  /**
   * The schema of the batches.
   *
   * @param width features per row
   * @return features, label, prediction and key
   */
  public static Schema schema(int width) {
    List<Field> fields = new ArrayList<>(LabeledSchema.of(width).getFields());
    fields.add(Field.notNullable(ArrowFlux.PREDICTION, new ArrowType.Int(32, true)));
    fields.add(Field.notNullable(KEY, new ArrowType.Int(64, true)));
    return new Schema(fields);
  }

  /**
   * Batches joined rows: every {@code rowsPerBatch} rows, and the rows left when the join
   * completes, become one batch (Reactor's {@code buffer}, so demand for one batch requests that
   * many rows). Cold if the join's arrivals are; a subscription that is cancelled drops the rows
   * of its unfinished batch. The subscriber owns every batch and closes it.
   *
   * @param joined the rows of a {@link DelayedLabels} join, with class-index predictions and labels
   * @param width features per row
   * @param rowsPerBatch rows per batch, at least 1
   * @param allocator where batches are allocated
   * @return the batches; batch {@code i} is at position {@code ("delayed-labels", 0, i)}
   */
  public static Flux<ArrowBatch> arrow(
      Flux<Joined<Long, float[], Integer, Integer>> joined,
      int width,
      int rowsPerBatch,
      BufferAllocator allocator) {
    Objects.requireNonNull(joined, "joined");
    Objects.requireNonNull(allocator, "allocator");
    if (width < 1 || rowsPerBatch < 1) {
      throw new IllegalArgumentException(
          "width and rowsPerBatch must be >= 1, were " + width + " and " + rowsPerBatch);
    }
    return Flux.defer(() -> {
      long[] index = {0};
      return joined.buffer(rowsPerBatch).map(rows -> write(rows, width, index[0]++, allocator));
    });
  }

  private static ArrowBatch write(
      List<Joined<Long, float[], Integer, Integer>> rows, int width, long index, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema(width), allocator);
    try {
      FixedSizeListVector features = (FixedSizeListVector) root.getVector(LabeledSchema.FEATURES);
      Float4Vector values = (Float4Vector) features.getDataVector();
      IntVector labels = (IntVector) root.getVector(LabeledSchema.LABEL);
      IntVector predictions = (IntVector) root.getVector(ArrowFlux.PREDICTION);
      BigIntVector keys = (BigIntVector) root.getVector(KEY);
      int n = rows.size();
      features.setInitialCapacity(n);
      root.allocateNew();
      for (int r = 0; r < n; r++) {
        Joined<Long, float[], Integer, Integer> row = rows.get(r);
        if (row.features().length != width) {
          throw new IllegalArgumentException("row " + row.key() + " has " + row.features().length
              + " features; the batches have " + width);
        }
        features.setNotNull(r);
        for (int i = 0; i < width; i++) {
          values.setSafe(r * width + i, row.features()[i]);
        }
        labels.setSafe(r, row.label());
        predictions.setSafe(r, row.prediction());
        keys.setSafe(r, row.key());
      }
      values.setValueCount(n * width);
      root.setRowCount(n);
      return new ArrowBatch(root, Map.of(), new BatchPosition("delayed-labels", 0, index), null);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /**
   * The metrics of the predictions a batch's rows got before their labels were known.
   *
   * @param batch a batch of {@link #arrow}
   * @param classes the number of classes
   * @return the metrics (no loss: the prediction is a class)
   */
  public static ClassificationMetrics evaluatedBeforeLabel(ArrowBatch batch, int classes) {
    return ClassificationMetrics.of(column(batch, ArrowFlux.PREDICTION), column(batch, LabeledSchema.LABEL), 0, classes);
  }

  private static int[] column(ArrowBatch batch, String name) {
    IntVector vector = (IntVector) batch.root().getVector(name);
    int[] values = new int[batch.rowCount()];
    for (int r = 0; r < values.length; r++) {
      values[r] = vector.get(r);
    }
    return values;
  }

  /**
   * A synchronous subscriber that evaluates, for each train step, the predictions its batch's rows
   * got before their labels were known, and raises the metrics in the run's event stream as a
   * signal named {@value #EVALUATION} ({@link io.solstice.reactive.RunControl#raise}), right after
   * the step. Merge them downstream with {@link io.solstice.reactive.MetricOperators}: {@code
   * run.events().flatMap(e -> Mono.justOrEmpty(JoinedBatches.evaluationOf(e)))}.
   *
   * @param classes the number of classes
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the subscriber
   */
  public static <E, O> TrainingSubscriber<E, O> evaluation(int classes) {
    return event -> {
      if (event instanceof TrainingEvent.StepEnded<E, O> step && step.mode() == Mode.TRAIN) {
        step.run().raise(EVALUATION, evaluatedBeforeLabel((ArrowBatch) step.batch().get(), classes));
      }
    };
  }

  /**
   * The metrics an {@link #evaluation} signal carries.
   *
   * @param event any event of a run
   * @return the metrics of one train step, or empty for other events
   */
  public static Optional<ClassificationMetrics> evaluationOf(TrainingEvent<?, ?> event) {
    return event instanceof TrainingEvent.SignalRaised<?, ?> signal && signal.name().equals(EVALUATION)
        ? signal.detail(ClassificationMetrics.class)
        : Optional.empty();
  }

  /**
   * The per-row errors of the predictions a train step's rows got before their labels were known:
   * 1 where the prediction was wrong. The error stream to watch for drift when labels are late.
   *
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the values of a step (read while its batch is open: in a synchronous subscriber)
   */
  public static <E, O> Function<TrainingEvent.StepEnded<E, O>, double[]> rowErrors() {
    return step -> {
      ArrowBatch batch = (ArrowBatch) step.batch().get();
      int[] predictions = column(batch, ArrowFlux.PREDICTION);
      int[] labels = column(batch, LabeledSchema.LABEL);
      double[] errors = new double[predictions.length];
      for (int r = 0; r < errors.length; r++) {
        errors[r] = predictions[r] == labels[r] ? 0 : 1;
      }
      return errors;
    };
  }
}
