package io.solstice.reactive.callbacks;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import reactor.core.publisher.Flux;

/**
 * An experiment whose outputs are scripted by its source: the batch {@code x} gives the output
 * {@code MeanMetric "loss" = x}, in train and eval steps alike. It is {@link Checkpointable}:
 * its one parameter {@code w} grows by 1, in place, at each train step, so its state tells how
 * many train steps it took.
 */
final class ScriptedLoss
    implements Experiment<ScriptedLoss, Double, MeanMetric>, Checkpointable<ScriptedLoss> {

  private final INDArray w;

  private ScriptedLoss(INDArray w) {
    this.w = w;
  }

  static ScriptedLoss fresh() {
    return new ScriptedLoss(Nd4j.zeros(DataType.DOUBLE, 1));
  }

  /** Train steps taken: the value of {@code w}. */
  double w() {
    return w.getDouble(0);
  }

  /**
   * A cold source that emits {@code perSubscription} values per subscription, taken in order
   * from {@code values} across subscriptions (one per epoch or validation), so the values
   * script a whole run.
   */
  static Flux<Double> script(int perSubscription, double... values) {
    AtomicInteger next = new AtomicInteger();
    return Flux.defer(() -> Flux.range(0, perSubscription)
        .takeWhile(i -> next.get() < values.length)
        .map(i -> values[next.getAndIncrement()]));
  }

  @Override
  public Step<ScriptedLoss, MeanMetric> trainStep(Double batch) {
    w.addi(1);
    return Step.of(this, MeanMetric.of("loss", batch));
  }

  @Override
  public Step<ScriptedLoss, MeanMetric> evalStep(Double batch) {
    return Step.of(this, MeanMetric.of("loss", batch));
  }

  @Override
  public NamedArrays state() {
    return NamedArrays.builder().put("w", w).build();
  }

  @Override
  public ScriptedLoss withState(NamedArrays state) {
    return new ScriptedLoss(state.get("w", DataType.DOUBLE, 1).dup());
  }
}
