package io.solstice.spark;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A classifier that also counts, in its state, how many times it was trained on each record:
 * the first feature column is the record's key (0 to keys - 1), the others go to an MLP. The
 * counts are a summed state array ({@code seen/keys}), so after parameter averaging they are the
 * totals over all workers.
 */
final class KeyCountingClassifier
    implements Experiment<KeyCountingClassifier, TensorBatch, ClassificationMetrics>,
        Checkpointable<KeyCountingClassifier> {
  static final String SEEN = "seen/keys";

  private final MlpClassifier model;
  private final INDArray seen;

  private KeyCountingClassifier(MlpClassifier model, INDArray seen) {
    this.model = model;
    this.seen = seen;
  }

  static KeyCountingClassifier create(MlpClassifier model, int keys) {
    return new KeyCountingClassifier(model, Nd4j.zeros(DataType.FLOAT, keys));
  }

  /** How many times each key was trained on. */
  float[] counts() {
    return seen.toFloatVector();
  }

  @Override
  public Step<KeyCountingClassifier, ClassificationMetrics> trainStep(TensorBatch batch) {
    INDArray keys = batch.features().getColumn(0);
    for (long row = 0; row < keys.length(); row++) {
      long key = (long) keys.getDouble(row);
      seen.putScalar(key, seen.getFloat(key) + 1);
    }
    Step<MlpClassifier, ClassificationMetrics> step = model.trainStep(modelBatch(batch));
    return Step.of(new KeyCountingClassifier(step.experiment(), seen), step.outputs());
  }

  @Override
  public Step<KeyCountingClassifier, ClassificationMetrics> evalStep(TensorBatch batch) {
    return Step.of(this, model.evalStep(modelBatch(batch)).outputs());
  }

  private static TensorBatch modelBatch(TensorBatch batch) {
    INDArray features = batch.features();
    return TensorBatch.of(
        features.get(NDArrayIndex.all(), NDArrayIndex.interval(1, features.columns())).dup('c'),
        batch.labels());
  }

  @Override
  public NamedArrays state() {
    Map<String, INDArray> out = new LinkedHashMap<>(model.state().asMap());
    out.put(SEEN, seen.dup());
    return NamedArrays.of(out);
  }

  @Override
  public KeyCountingClassifier withState(NamedArrays state) {
    Map<String, INDArray> own = new LinkedHashMap<>(state.asMap());
    INDArray counts = own.remove(SEEN);
    return new KeyCountingClassifier(model.withState(NamedArrays.of(own)), counts.dup());
  }
}
