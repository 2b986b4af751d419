package io.solstice.arrow;

import io.solstice.arrow.internal.SharedBuffers;
import io.solstice.reactive.ModelVersion;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The prediction behind {@link ArrowFlux#predict}: each batch comes out as a batch of its own
 * columns, over the very same buffers, followed by the {@link PredictionColumns} computed by the
 * latest model version, and the input handle is closed. The input is not subscribed before the
 * first version has arrived, and a newer version is taken up at the next batch, so a batch is
 * always predicted by one version. Runs on the thread that delivers the batch; a batch whose
 * prediction fails is closed and fails the flux.
 */
final class BatchPrediction {
  private BatchPrediction() {}

  static <M> Flux<ArrowBatch> apply(Flux<ArrowBatch> batches, FeatureSpec spec, Publisher<ModelVersion<M>> versions,
      BiFunction<? super M, INDArray, INDArray> probabilities) {
    return Flux.defer(() -> {
      LatestVersion<M> latest = new LatestVersion<>(versions);
      return latest.afterFirst(batches.<ArrowBatch>handle((batch, sink) -> {
            try (batch) {
              sink.next(predict(batch, spec, latest.current(), probabilities));
            } catch (RuntimeException | Error e) {
              sink.error(e);
            }
          }))
          .doFinally(signal -> latest.dispose())
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }

  private static <M> ArrowBatch predict(ArrowBatch batch, FeatureSpec spec, ModelVersion<M> version,
      BiFunction<? super M, INDArray, INDArray> probabilities) {
    VectorSchemaRoot root = batch.root();
    for (String name : List.of(ArrowFlux.PREDICTION, ArrowFlux.PROBABILITIES, ArrowFlux.MODEL_VERSION)) {
      if (root.getVector(name) != null) {
        throw new IllegalArgumentException("the batch already has a column named '" + name
            + "'; select the input columns first (ArrowFlux.select)");
      }
    }
    INDArray scores = spec.withFeatures(batch, features -> probabilities.apply(version.model(), features));
    try {
      List<FieldVector> columns = new ArrayList<>(SharedBuffers.shareEach(root.getFieldVectors()));
      Map<Long, Dictionary> dictionaries = new HashMap<>();
      try {
        columns.addAll(PredictionColumns.of(scores, root.getRowCount(), version.version(), batch.allocator()));
        dictionaries.putAll(batch.shareDictionaries());
        return batch.derive(SharedBuffers.rootOf(columns, root.getRowCount()), dictionaries);
      } catch (RuntimeException | Error e) {
        SharedBuffers.closeAfterFailure(e, columns, dictionaries);
        throw e;
      }
    } finally {
      if (scores.closeable()) {
        scores.close();
      }
    }
  }
}
