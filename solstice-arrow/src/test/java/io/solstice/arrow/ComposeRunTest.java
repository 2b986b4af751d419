package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.ModelPublisher;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple3;

/** Composed pipelines through the real engine: several models on one stream, exact resume with shuffling, live models. */
class ComposeRunTest {
  private static final int BATCHES = 24;
  private static final int ROWS = 16;

  private BufferAllocator allocator;
  private List<VectorSchemaRoot> stored;

  @BeforeEach
  void data() {
    allocator = new RootAllocator();
    stored = Blobs.roots(allocator, BATCHES, ROWS, 5);
  }

  @AfterEach
  void close() {
    stored.forEach(VectorSchemaRoot::close);
    allocator.close(); // fails on a leaked byte
  }

  private Flux<ArrowBatch> stream(AtomicInteger reads) {
    return ArrowSources.roots("blobs", stored, null, allocator, ReadOptions.defaults())
        .doOnNext(b -> reads.incrementAndGet());
  }

  private static MlpClassifier model(double learningRate) {
    return MlpClassifier.builder().inputs(Blobs.WIDTH).hidden(12).classes(Blobs.CLASSES)
        .updater(new Adam(learningRate)).seed(3).build();
  }

  private static Run<MlpClassifier, io.solstice.core.TensorBatch, ClassificationMetrics> online(
      MlpClassifier model, Flux<ArrowBatch> batches) {
    return Solstice.run(model).train(batches.map(Blobs.SPEC::toTensors)).prequential(8, 0.9);
  }

  @Test
  void twoModelsOnOneStreamReadEachBatchOnceAndMatchTwoSeparateRunsBitwise() {
    AtomicInteger sharedReads = new AtomicInteger();
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(stream(sharedReads), 2, 3);
    Map<Long, String> trainingThreads = new ConcurrentHashMap<>();
    TrainingSubscriber<Object, Object> threadOf = event -> {
      if (event instanceof TrainingEvent.StepEnded<Object, Object>) {
        trainingThreads.put(event.run().id(), Thread.currentThread().getName());
      }
    };
    var together = Mono.zip(
            online(model(1e-2), branches.get(0)).subscribers(threadOf).steps().last(),
            online(model(3e-3), branches.get(1)).subscribers(threadOf).steps().last())
        .block(Duration.ofSeconds(120));

    AtomicInteger readsA = new AtomicInteger();
    AtomicInteger readsB = new AtomicInteger();
    var aloneA = online(model(1e-2), stream(readsA)).steps().last().block(Duration.ofSeconds(120));
    var aloneB = online(model(3e-3), stream(readsB)).steps().last().block(Duration.ofSeconds(120));

    assertThat(sharedReads).as("the shared stream is read once").hasValue(BATCHES);
    assertThat(readsA).hasValue(BATCHES);
    assertThat(trainingThreads.values()).as("each model on its own training thread").doesNotHaveDuplicates()
        .hasSize(2).allMatch(name -> name.startsWith("solstice-step-"));
    assertThat(together.getT1().globalStep()).isEqualTo(BATCHES - 1);
    assertThat(together.getT1().experiment().state()).isEqualTo(aloneA.experiment().state());
    assertThat(together.getT2().experiment().state()).isEqualTo(aloneB.experiment().state());
    // Prequential metrics side by side, each equal to its separate run's.
    assertThat(together.getT1().prequential().cumulative().confusionMatrix())
        .isDeepEqualTo(aloneA.prequential().cumulative().confusionMatrix());
    assertThat(together.getT2().prequential().cumulative().compute())
        .isEqualTo(aloneB.prequential().cumulative().compute());
    assertThat(together.getT1().experiment().state()).isNotEqualTo(together.getT2().experiment().state());
  }

  @Test
  void aRunResumedMidEpochWithShufflingEndsBitwiseEqualToAnUninterruptedOne() {
    int epochs = 3;
    MlpClassifier uninterrupted = Solstice.run(model(1e-2))
        .train(shuffled(ArrowFlux.shuffle(5, 99)).map(Blobs.SPEC::toTensors))
        .epochs(epochs)
        .block();
    // Cut mid-epoch 0, mid-epoch 1, and right at the end of epoch 1.
    for (long cut : new long[] {7, BATCHES + 11, 2L * BATCHES}) {
      ShuffleBuffer shuffle = ArrowFlux.shuffle(5, 99);
      AtomicReference<Checkpoint> checkpoint = new AtomicReference<>();
      TrainingSubscriber<MlpClassifier, Object> saver = event -> {
        if (event instanceof TrainingEvent.StepEnded<MlpClassifier, Object> step && step.mode() == Mode.TRAIN) {
          ArrowTensorBatch batch = (ArrowTensorBatch) step.batch().get();
          // Through the manifest's own format: plain values.
          checkpoint.set(new Checkpoint(step.experiment().state().copy(),
              shuffle.stateAfter(batch.position()).toMap(), step.position()));
        }
      };
      Solstice.run(model(1e-2)).train(shuffled(shuffle).map(Blobs.SPEC::toTensors)).epochs(epochs)
          .maxSteps(cut).subscribers(saver).block();
      Checkpoint saved = checkpoint.get();
      assertThat(saved.position().trainSteps()).isEqualTo(cut);

      ShuffleState state = ShuffleState.fromMap(saved.shuffle());
      ShuffleBuffer resumedShuffle = ArrowFlux.shuffle(5, 99).resumeFrom(state);
      MlpClassifier resumed = Solstice.run(model(1e-2).withState(saved.state()))
          .train(shuffled(resumedShuffle).map(Blobs.SPEC::toTensors))
          .epochs(epochs)
          .resumeFrom(state.engineResumePosition(saved.position()))
          .block();
      assertThat(resumed.state()).as("resumed after %d steps", cut).isEqualTo(uninterrupted.state());
    }
  }

  private Flux<ArrowBatch> shuffled(ShuffleBuffer shuffle) {
    return shuffle.shuffle(start -> ArrowSources.roots("blobs", stored, null, allocator,
        ReadOptions.builder().startAt(start).build()));
  }

  private record Checkpoint(NamedArrays state, Map<String, Object> shuffle, RunPosition position) {}

  @Test
  void aPredictorAndAnEvaluatorFollowTheModelWhileItTrains() {
    ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(4);
    Map<Long, NamedArrays> stateAfterSteps = new ConcurrentHashMap<>();
    TrainingSubscriber<MlpClassifier, Object> reference = event -> {
      if (event instanceof TrainingEvent.RunStarted<MlpClassifier, Object> start) {
        stateAfterSteps.put(0L, start.experiment().state().copy());
      } else if (event instanceof TrainingEvent.StepEnded<MlpClassifier, Object> step) {
        stateAfterSteps.put(step.globalStep() + 1, step.experiment().state().copy());
      }
    };
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(stream(new AtomicInteger()), 3, 2);
    Mono<MlpClassifier> training = Solstice.run(model(1e-2)).train(branches.get(0).map(Blobs.SPEC::toTensors))
        .subscribers(reference, publisher).experiment();
    Mono<List<PredictedBatch>> predictions = branches.get(1)
        .transform(ArrowFlux.predict(Blobs.SPEC, publisher.versions(), MlpClassifier::predict))
        // A consumer slower than the step, which paces the whole stream (the slowest branch
        // does), so that the run publishes versions while the predictions go on.
        .delayElements(Duration.ofMillis(15))
        .map(batch -> {
          try (batch) {
            return new PredictedBatch(batch);
          }
        })
        .collectList();
    Mono<List<ModelEvaluation<ClassificationMetrics>>> evaluations = branches.get(2)
        .transform(ArrowFlux.evaluate(Blobs.SPEC, publisher.versions()))
        .collectList();

    Tuple3<MlpClassifier, List<PredictedBatch>, List<ModelEvaluation<ClassificationMetrics>>> done =
        Mono.zip(training, predictions, evaluations).block(Duration.ofSeconds(120));

    List<Long> predictedVersions = done.getT2().stream().map(p -> p.version).toList();
    assertThat(predictedVersions).hasSize(BATCHES).isSorted();
    assertThat(predictedVersions.stream().distinct().count()).as("versions used while training").isGreaterThan(2);
    List<Long> evaluatedVersions = done.getT3().stream().map(ModelEvaluation::version).toList();
    assertThat(evaluatedVersions).hasSize(BATCHES).isSorted();
    assertThat(evaluatedVersions.stream().distinct().count()).isGreaterThan(2);
    assertThat(done.getT3()).allSatisfy(e -> assertThat(e.outputs().count()).isEqualTo(ROWS));
    assertThat(publisher.published()).isEqualTo(1 + BATCHES / 4);
    // Each prediction was made by exactly the model the run had after that version's steps.
    for (PredictedBatch p : done.getT2()) {
      long step = (p.version - 1) * 4;
      MlpClassifier expected = model(1e-2).withState(stateAfterSteps.get(step));
      try (INDArray probabilities = expected.predict(p.features)) {
        assertThat(p.probabilities).as("batch at %s by version %d", p.position, p.version)
            .isEqualTo(probabilities.toFloatMatrix());
      }
    }
  }

  /** What one prediction batch held, copied out before the batch is closed. */
  private static final class PredictedBatch {
    final long version;
    final long rows;
    final BatchPosition position;
    final INDArray features;
    final float[][] probabilities;

    PredictedBatch(ArrowBatch batch) {
      VectorSchemaRoot root = batch.root();
      this.rows = batch.rowCount();
      this.position = batch.position();
      this.version = ((BigIntVector) root.getVector(ArrowFlux.MODEL_VERSION)).get(0);
      for (int r = 0; r < rows; r++) {
        assertThat(((BigIntVector) root.getVector(ArrowFlux.MODEL_VERSION)).get(r)).isEqualTo(version);
      }
      this.features = Blobs.SPEC.withFeatures(batch, INDArray::dup);
      Float4Vector values = (Float4Vector) ((FixedSizeListVector) root.getVector(ArrowFlux.PROBABILITIES)).getDataVector();
      this.probabilities = new float[(int) rows][Blobs.CLASSES];
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < Blobs.CLASSES; c++) {
          probabilities[r][c] = values.get(r * Blobs.CLASSES + c);
        }
      }
    }
  }
}
