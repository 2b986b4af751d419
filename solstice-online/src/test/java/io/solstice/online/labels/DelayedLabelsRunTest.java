package io.solstice.online.labels;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.drift.Adwin;
import io.solstice.online.drift.DriftReaction;
import io.solstice.online.drift.DriftSignal;
import io.solstice.online.drift.Reaction;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.ModelPublisher;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.AdaGrad;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Delayed labels through a training run: SEA rows whose labels arrive 0 to 500 rows late (5%
 * never, 5% twice) are joined with {@link DelayedLabels}, batched by {@link JoinedBatches} and
 * trained on by an engine run. Every arriving label trains exactly once, through the run; the
 * counts are exact; the join never holds more than its bound nor the run more than its prefetch;
 * and the run's evaluation is of the predictions made before the labels were known.
 */
class DelayedLabelsRunTest {
  private static final int ROWS = 20_000;
  private static final int MAX_PENDING = 1_000;
  private static final int BATCH = 128;
  private static final int PREFETCH = 2;

  @Test
  void everyArrivingLabelTrainsOnceThroughTheRunWithExactCountsInBoundedMemory() {
    float[][] features = new float[ROWS][3];
    int[] labels = new int[ROWS];
    SeaGenerator sea = SeaGenerator.of(1, 5);
    double[] row = new double[3];
    for (int i = 0; i < ROWS; i++) {
      labels[i] = sea.next(row);
      for (int j = 0; j < 3; j++) {
        features[i][j] = (float) row[j];
      }
    }
    DelayedArrivals<float[]> stream = new DelayedArrivals<>(ROWS, 21, i -> features[i], i -> labels[i]);

    OnlineLogisticRegression model =
        new OnlineLogisticRegression(3, 2, LinearOptions.defaults().withUpdater(new AdaGrad(0.1)));
    // Arrivals are predicted on the source's reader thread with the latest published copy of the
    // model, never with the one the training thread is changing. Each copy is rebuilt and set on
    // the training thread as it is published (Schedulers.immediate()): on another scheduler a
    // starved machine could leave the predictions many steps behind the training.
    ModelPublisher<OnlineLogisticRegression> publisher = ModelPublisher.everySteps(1);
    AtomicReference<OnlineLogisticRegression> latest = new AtomicReference<>(model.withState(model.state()));
    publisher.versions(Schedulers.immediate()).subscribe(version -> latest.set(version.model()));
    DelayedLabels<Long, float[], Integer, Integer> join =
        new DelayedLabels<>(x -> latest.get().predict(x), MAX_PENDING, Duration.ofDays(1), () -> 0L);
    int[] maxPendingSeen = {0};
    List<Joined<Long, float[], Integer, Integer>> joined = Collections.synchronizedList(new ArrayList<>());
    Flux<Joined<Long, float[], Integer, Integer>> rows = Flux.fromIterable(stream.arrivals)
        .doOnNext(a -> maxPendingSeen[0] = Math.max(maxPendingSeen[0], join.counts().pending()))
        .transform(join::join)
        .doOnNext(joined::add);

    Map<Long, Integer> trainings = new HashMap<>();
    int[] maxBatchesInFlight = {0};
    TrainingSubscriber<OnlineLogisticRegression, ClassificationMetrics> trainedKeys = event -> {
      if (event instanceof TrainingEvent.StepEnded<OnlineLogisticRegression, ClassificationMetrics> step) {
        BigIntVector keys = (BigIntVector) ((ArrowBatch) step.batch().get()).root().getVector(JoinedBatches.KEY);
        for (int r = 0; r < keys.getValueCount(); r++) {
          trainings.merge(keys.get(r), 1, Integer::sum);
        }
        maxBatchesInFlight[0] = Math.max(maxBatchesInFlight[0], step.run().batchesInFlight());
      }
    };
    List<DriftSignal> drifts = new ArrayList<>();
    List<TrainingEvent<OnlineLogisticRegression, ClassificationMetrics>> events;
    try (BufferAllocator allocator = new RootAllocator()) {
      events = Solstice.run(model)
          .train(JoinedBatches.arrow(rows, 3, BATCH, allocator))
          .prefetch(PREFETCH)
          .subscribers(publisher, JoinedBatches.evaluation(2), trainedKeys,
              DriftReaction.of(new Adwin(), JoinedBatches.rowErrors(), Reaction.alert(drifts::add)))
          .events().collectList().block(Duration.ofSeconds(60));
    }

    LabelCounts counts = join.counts();
    assertThat(trainings).hasSize(stream.labelledRows()).allSatisfy((key, times) -> {
      assertThat(times).as("row %d", key).isEqualTo(1);
      assertThat(stream.labelled[key.intValue()]).isTrue();
    });
    assertThat(model.rowsLearned()).isEqualTo(stream.labelledRows());
    assertThat(counts.joined()).isEqualTo(stream.labelledRows());
    assertThat(counts.duplicate()).isEqualTo(stream.twice);
    assertThat(counts.late()).isZero();
    assertThat(counts.missing() + counts.pending()).isEqualTo(stream.never);
    assertThat(maxPendingSeen[0]).isLessThanOrEqualTo(MAX_PENDING);
    assertThat(maxBatchesInFlight[0]).isLessThanOrEqualTo(PREFETCH + 1);
    long steps = events.stream().filter(TrainingEvent.StepEnded.class::isInstance).count();
    assertThat(steps).isEqualTo((stream.labelledRows() + BATCH - 1) / BATCH);

    // The run's evaluation is of the predictions made when the features arrived.
    ClassificationMetrics fromRun = events.stream().flatMap(e -> JoinedBatches.evaluationOf(e).stream())
        .reduce(ClassificationMetrics::merge).orElseThrow();
    int[] predicted = joined.stream().mapToInt(Joined::prediction).toArray();
    int[] actual = joined.stream().mapToInt(Joined::label).toArray();
    ClassificationMetrics beforeLabels = ClassificationMetrics.of(predicted, actual, 0, 2);
    assertThat(fromRun.confusionMatrix()).isEqualTo(beforeLabels.confusionMatrix());
    double accuracy = fromRun.compute().get("accuracy");
    System.out.printf("delayed labels through a run: %d joined, %d duplicate, %d missing, %d pending; "
            + "accuracy of the predictions made before the labels %.4f; ADWIN drifts %d%n",
        counts.joined(), counts.duplicate(), counts.missing(), counts.pending(), accuracy, drifts.size());
    // SEA concept 1 with 10% noise: a model that learns predicts well before the labels come.
    assertThat(accuracy).isGreaterThan(0.8);
  }
}
