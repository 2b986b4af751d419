package io.solstice.benchmarks.jmh;

import io.solstice.benchmarks.internal.Models;
import io.solstice.benchmarks.internal.SyntheticMnist;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One epoch of 40 batches of 128 rows (MLP 784-256-10, Adam, float32): through an engine run
 * ({@code Solstice.run(model).train(...)}) and as a plain loop over {@code trainStep}. Scores are epochs per second;
 * multiply by 5120 for samples per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrainStepJmh {

  private List<TensorBatch> batches;
  private MlpClassifier engineModel;
  private MlpClassifier plainModel;

  /** Builds the data and the two models. */
  @Setup
  public void setUp() {
    batches = SyntheticMnist.generate(40 * 128, 1, 7).batches(128);
    engineModel = Models.mlp(SyntheticMnist.FEATURES, 256, 10);
    plainModel = Models.mlp(SyntheticMnist.FEATURES, 256, 10);
  }

  /**
   * One epoch through the engine.
   *
   * @return the model (consumed by JMH)
   */
  @Benchmark
  public MlpClassifier engineEpoch() {
    engineModel = Models.engineEpoch(engineModel, batches);
    return engineModel;
  }

  /**
   * One epoch in a plain loop.
   *
   * @return the model (consumed by JMH)
   */
  @Benchmark
  public MlpClassifier plainEpoch() {
    plainModel = Models.plainEpoch(plainModel, batches);
    return plainModel;
  }
}
