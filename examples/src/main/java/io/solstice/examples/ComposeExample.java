package io.solstice.examples;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.FlightBatchServer;
import io.solstice.arrow.ModelEvaluation;
import io.solstice.arrow.ReadOptions;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.LabeledArrowFile;
import io.solstice.examples.stream.RotatingHyperplane;
import io.solstice.reactive.ModelPublisher;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent.StepEnded;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.function.Tuple4;

/**
 * Composing a pipeline in code: one drifting stream, read once and shared by three branches, on
 * which a champion and a challenger model (two learning rates) train side by side with
 * prequential metrics, and a live evaluator scores the champion's latest published version;
 * meanwhile an Arrow Flight server answers clients with predictions from that latest version.
 * docs/COMPOSE.md explains each operator.
 */
public final class ComposeExample {
  private static final Ticket PREDICTIONS = new Ticket("predictions".getBytes(StandardCharsets.UTF_8));

  /**
   * What the composed run did.
   *
   * @param streamReads batches read from the shared stream (once each)
   * @param championSteps train steps of the champion
   * @param challengerSteps train steps of the challenger
   * @param championAccuracy the champion's prequential accuracy over the whole stream
   * @param challengerAccuracy the challenger's prequential accuracy over the whole stream
   * @param liveAccuracy the accuracy of the champion's published versions, evaluated live
   * @param liveVersions how many published versions the live evaluator used
   * @param servedRows predictions a Flight client received
   * @param servedVersions how many model versions made them
   */
  public record Result(long streamReads, long championSteps, long challengerSteps, double championAccuracy,
      double challengerAccuracy, double liveAccuracy, long liveVersions, long servedRows, long servedVersions) {}

  private ComposeExample() {}

  /**
   * Runs the example and prints what it did.
   *
   * @param args the number of stream batches (default 400)
   */
  public static void main(String[] args) {
    Result r = run(args.length > 0 ? Integer.parseInt(args[0]) : 400, 42);
    System.out.printf("stream read once: %d batches%n", r.streamReads());
    System.out.printf("champion   (Adam 1e-2): %d steps, prequential accuracy %.3f%n",
        r.championSteps(), r.championAccuracy());
    System.out.printf("challenger (Adam 1e-3): %d steps, prequential accuracy %.3f%n",
        r.challengerSteps(), r.challengerAccuracy());
    System.out.printf("live evaluator: accuracy %.3f over %d published versions%n", r.liveAccuracy(), r.liveVersions());
    System.out.printf("Flight client: %d predictions from %d model versions%n", r.servedRows(), r.servedVersions());
  }

  /**
   * The composed run.
   *
   * @param batches how many batches of the stream to train on
   * @param seed the seed of the stream and the models
   * @return what happened
   */
  public static Result run(int batches, long seed) {
    RotatingHyperplane hyperplane = new RotatingHyperplane(8, 64, 0.002, -1, 0.05, seed);
    FeatureSpec spec = FeatureSpec.builder()
        .features(LabeledArrowFile.FEATURES).label(LabeledArrowFile.LABEL).numClasses(2).build();
    AtomicLong reads = new AtomicLong();
    try (BufferAllocator allocator = new RootAllocator()) {
      // One stream, read once, handed to three branches; the slowest one paces it.
      List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(hyperplane.batches(allocator, reads).take(batches), 3, 4);
      ModelPublisher<MlpClassifier> published = ModelPublisher.everySteps(10);
      Mono<StepEnded<MlpClassifier, ClassificationMetrics>> champion = Solstice.run(model(1e-2, seed))
          .train(branches.get(0).map(spec::toTensors)).prequential(50, 0.99).subscribers(published)
          .steps().last();
      Mono<StepEnded<MlpClassifier, ClassificationMetrics>> challenger = Solstice.run(model(1e-3, seed))
          .train(branches.get(1).map(spec::toTensors)).prequential(50, 0.99)
          .steps().last();
      // The live evaluator: the champion's latest version on the same stream.
      Mono<List<ModelEvaluation<ClassificationMetrics>>> live = branches.get(2)
          .transform(ArrowFlux.evaluate(spec, published.versions()))
          .collectList();
      // Predictions from the latest version, for whoever asks over Flight: here a client that
      // sends a query batch every 20 ms while the models train.
      try (FlightBatchServer server = FlightBatchServer.builder(allocator, ticket -> Flux.range(0, 20)
              .delayElements(Duration.ofMillis(20))
              .map(i -> hyperplane.batch(1_000_000 + i, allocator))
              .transform(ArrowFlux.predict(spec, published.versions(), MlpClassifier::predict)))
          .start()) {
        Mono<long[]> served = ArrowSources.flight(server.location(), PREDICTIONS, allocator, ReadOptions.defaults())
            .map(ComposeExample::rowsAndVersion)
            .collectList()
            .map(ComposeExample::rowsAndVersions);
        Tuple4<StepEnded<MlpClassifier, ClassificationMetrics>, StepEnded<MlpClassifier, ClassificationMetrics>,
            List<ModelEvaluation<ClassificationMetrics>>, long[]> done =
            Mono.zip(champion, challenger, live, served).block();
        ClassificationMetrics liveMetrics = done.getT3().stream().map(ModelEvaluation::outputs)
            .reduce(ClassificationMetrics::merge).orElseThrow();
        return new Result(reads.get(), done.getT1().globalStep() + 1, done.getT2().globalStep() + 1,
            accuracy(done.getT1()), accuracy(done.getT2()), liveMetrics.compute().get("accuracy"),
            done.getT3().stream().map(ModelEvaluation::version).distinct().count(), done.getT4()[0], done.getT4()[1]);
      }
    }
  }

  private static MlpClassifier model(double learningRate, long seed) {
    return MlpClassifier.builder().inputs(8).hidden(16).classes(2).updater(new Adam(learningRate)).seed(seed).build();
  }

  private static double accuracy(StepEnded<MlpClassifier, ClassificationMetrics> last) {
    return last.prequential().cumulative().compute().get("accuracy");
  }

  /** A served batch's rows and the model version that predicted them. */
  private static long[] rowsAndVersion(ArrowBatch batch) {
    try (batch) {
      return new long[] {batch.rowCount(), ((BigIntVector) batch.root().getVector(ArrowFlux.MODEL_VERSION)).get(0)};
    }
  }

  /** Total rows, and the number of distinct versions. */
  private static long[] rowsAndVersions(List<long[]> batches) {
    return new long[] {batches.stream().mapToLong(b -> b[0]).sum(), batches.stream().mapToLong(b -> b[1]).distinct().count()};
  }
}
