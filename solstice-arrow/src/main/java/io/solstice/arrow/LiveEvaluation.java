package io.solstice.arrow;

import io.solstice.core.Experiment;
import io.solstice.reactive.ModelVersion;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The evaluator behind {@link ArrowFlux#evaluate}: each batch becomes tensors ({@link
 * FeatureSpec#toTensors}, which takes the batch) and goes through the {@code evalStep} of the
 * latest model version; the tensors and the batch are closed after the step. Like {@link
 * BatchPrediction}, it waits for the first version before it subscribes the batches and switches
 * versions between batches. Runs on the thread that delivers the batch.
 */
final class LiveEvaluation {
  private LiveEvaluation() {}

  static <E extends Experiment<E, ? super ArrowTensorBatch, O>, O> Flux<ModelEvaluation<O>> apply(
      Flux<ArrowBatch> batches, FeatureSpec spec, Publisher<ModelVersion<E>> versions) {
    return Flux.defer(() -> {
      LatestVersion<E> latest = new LatestVersion<>(versions);
      return latest.afterFirst(batches.<ModelEvaluation<O>>handle((batch, sink) -> {
            ModelVersion<E> version = latest.current();
            BatchPosition position = batch.position();
            try (ArrowTensorBatch tensors = spec.toTensors(batch)) {
              O outputs = version.model().evalStep(tensors).outputs();
              sink.next(new ModelEvaluation<>(version.version(), version.step(), position, outputs));
            } catch (RuntimeException | Error e) {
              sink.error(e);
            }
          }))
          .doFinally(signal -> latest.dispose())
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }
}
