package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Live model publication: versioned copies during a run, never stalling the step. */
class ModelPublisherTest {

  private static MlpClassifier model() {
    return MlpClassifier.builder().inputs(4).hidden(8).classes(3).updater(new Adam(1e-2)).seed(1).build();
  }

  private static Flux<TensorBatch> batches(int n) {
    return Flux.range(0, n).map(i -> {
      Random random = new Random(i);
      float[][] x = new float[8][4];
      long[] y = new long[8];
      for (int r = 0; r < 8; r++) {
        y[r] = random.nextInt(3);
        for (int c = 0; c < 4; c++) {
          x[r][c] = (float) random.nextGaussian() + (c == y[r] ? 1 : 0);
        }
      }
      return TensorBatch.of(Nd4j.createFromArray(x), Nd4j.createFromArray(y).castTo(DataType.INT64));
    });
  }

  /** The state after each number of train steps, copied on the training thread. */
  private static TrainingSubscriber<MlpClassifier, Object> recordInto(Map<Long, NamedArrays> states) {
    return event -> {
      if (event instanceof TrainingEvent.RunStarted<MlpClassifier, Object> start) {
        states.put(0L, start.experiment().state().copy());
      } else if (event instanceof TrainingEvent.StepEnded<MlpClassifier, Object> step) {
        states.put(step.globalStep() + 1, step.experiment().state().copy());
      }
    };
  }

  @Test
  void publishesCopiesAtTheStartEveryNStepsAndAtTheEnd() {
    ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(3);
    List<ModelVersion<MlpClassifier>> received = new CopyOnWriteArrayList<>();
    publisher.versions(Schedulers.immediate()).subscribe(received::add);
    Map<Long, NamedArrays> states = new ConcurrentHashMap<>();

    MlpClassifier trained = Solstice.run(model()).train(batches(10)).subscribers(recordInto(states), publisher).block();

    assertThat(received).extracting(ModelVersion::version).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(received).extracting(ModelVersion::step).containsExactly(0L, 3L, 6L, 9L, 10L);
    // Each copy holds the model as it was at its step, although training went on in place.
    for (ModelVersion<MlpClassifier> v : received) {
      assertThat(v.model().state()).as("version %d", v.version()).isEqualTo(states.get(v.step()));
      assertThat(v.model()).isNotSameAs(trained);
    }
    assertThat(publisher.published()).isEqualTo(5);
  }

  @Test
  void aSlowSubscriberNeverStallsTheStepAndSkipsToTheLatestVersion() throws InterruptedException {
    ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Long> seen = new CopyOnWriteArrayList<>();
    CountDownLatch completed = new CountDownLatch(1);
    publisher.versions().subscribe(v -> {
      seen.add(v.step());
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, e -> { }, completed::countDown);

    Solstice.run(model()).train(batches(200)).subscribers(publisher).block(); // returns while the subscriber is blocked
    assertThat(publisher.published()).isEqualTo(201);
    assertThat(seen).hasSizeLessThanOrEqualTo(1);

    release.countDown();
    assertThat(completed.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(seen).as("skipped to the latest").hasSizeLessThanOrEqualTo(3).last().isEqualTo(200L);
  }

  @Test
  void everySubscriberGetsModelsOfItsOwn() {
    ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(5);
    List<ModelVersion<MlpClassifier>> first = new CopyOnWriteArrayList<>();
    List<ModelVersion<MlpClassifier>> second = new CopyOnWriteArrayList<>();
    publisher.versions(Schedulers.immediate()).subscribe(first::add);
    publisher.versions(Schedulers.immediate()).subscribe(second::add);
    Solstice.run(model()).train(batches(10)).subscribers(publisher).block();
    assertThat(first).hasSize(3).hasSameSizeAs(second);
    for (int i = 0; i < first.size(); i++) {
      assertThat(first.get(i).model()).isNotSameAs(second.get(i).model());
      assertThat(first.get(i).model().state()).isEqualTo(second.get(i).model().state());
    }
    // A late subscriber starts from the latest version.
    assertThat(publisher.versions().blockLast(Duration.ofSeconds(10)).step()).isEqualTo(10);
  }

  @Test
  void publishesByTime() {
    ModelPublisher<MlpClassifier> hourly = ModelPublisher.every(Duration.ofHours(1));
    ModelPublisher<MlpClassifier> always = ModelPublisher.every(Duration.ofNanos(1));
    List<Long> hourlySteps = new CopyOnWriteArrayList<>();
    List<Long> alwaysSteps = new CopyOnWriteArrayList<>();
    hourly.versions(Schedulers.immediate()).subscribe(v -> hourlySteps.add(v.step()));
    always.versions(Schedulers.immediate()).subscribe(v -> alwaysSteps.add(v.step()));
    Solstice.run(model()).train(batches(6)).subscribers(hourly, always).block();
    assertThat(hourlySteps).containsExactly(0L, 6L);
    assertThat(alwaysSteps).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void aFailedRunPublishesNoFinalVersionAndAPublisherServesOneRun() {
    ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(4);
    List<Long> steps = new CopyOnWriteArrayList<>();
    publisher.versions(Schedulers.immediate()).subscribe(v -> steps.add(v.step()));
    Flux<TensorBatch> failing = batches(6).concatWith(Flux.error(new IllegalStateException("source broke")));
    assertThatThrownBy(() -> Solstice.run(model()).train(failing).subscribers(publisher).block())
        .hasRootCauseMessage("source broke");
    assertThat(steps).containsExactly(0L, 4L);
    assertThat(publisher.versions().count().block(Duration.ofSeconds(10))).as("completed").isEqualTo(1);
    assertThatThrownBy(() -> Solstice.run(model()).train(batches(2)).subscribers(publisher).block())
        .hasRootCauseMessage("a ModelPublisher serves one run; make a new one for this run");
    assertThatThrownBy(() -> ModelPublisher.everySteps(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anExperimentThatLoadsAStateIntoItselfIsRefusedBeforeItsFirstStep() {
    InPlace experiment = new InPlace(model());
    ModelPublisher<InPlace> publisher = ModelPublisher.everySteps(1);

    assertThatThrownBy(() -> Solstice.run(experiment).train(batches(4))
            .subscribers(publisher).block())
        .hasStackTraceContaining("ModelPublisher needs an experiment whose withState returns a new"
            + " experiment; InPlace loads a state into itself");
    assertThat(experiment.steps).as("steps trained").isZero();
  }

  /** An experiment that loads states into itself, as SameDiffExperiment does. */
  private static final class InPlace
      implements Experiment<InPlace, TensorBatch, io.solstice.core.metrics.ClassificationMetrics>,
          Checkpointable<InPlace> {
    private MlpClassifier model;
    private int steps;

    InPlace(MlpClassifier model) {
      this.model = model;
    }

    @Override
    public Step<InPlace, io.solstice.core.metrics.ClassificationMetrics> trainStep(
        TensorBatch batch) {
      steps++;
      var step = model.trainStep(batch);
      model = step.experiment();
      return Step.of(this, step.outputs());
    }

    @Override
    public Step<InPlace, io.solstice.core.metrics.ClassificationMetrics> evalStep(
        TensorBatch batch) {
      return Step.of(this, model.evalStep(batch).outputs());
    }

    @Override
    public NamedArrays state() {
      return model.state();
    }

    @Override
    public InPlace withState(NamedArrays state) {
      model = model.withState(state);
      return this;
    }
  }
}
