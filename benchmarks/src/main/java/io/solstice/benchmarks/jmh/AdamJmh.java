package io.solstice.benchmarks.jmh;

import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
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
 * One Adam update of the 203,530 float32 parameters of an MLP 784-256-10: Solstice's
 * {@code Optimizer.step()} (the Java loop on the CPU backend, plus the subtraction from the
 * parameters) against ND4J's own {@code AdamUpdater.applyUpdater} followed by the same
 * subtraction. Average time per update, in microseconds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdamJmh {

  private Parameters parameters;
  private Optimizer solstice;
  private INDArray nd4jValues;
  private INDArray nd4jGradients;
  private GradientUpdater<?> nd4j;
  private INDArray gradient;
  private int iteration;

  /** Builds both optimizers over parameters of the same size and one fixed gradient. */
  @Setup
  public void setUp() {
    parameters = Parameters.builder().dataType(DataType.FLOAT).seed(1)
        .weight("w0", Initializer.heNormal(), 784, 256).bias("b0", Initializer.zeros(), 1, 256)
        .weight("w1", Initializer.xavierNormal(), 256, 10).bias("b1", Initializer.zeros(), 1, 10)
        .build();
    solstice = Optimizer.builder(new Adam(1e-3)).build(parameters);
    long n = parameters.length();
    gradient = Nd4j.randn(DataType.FLOAT, n).muli(1e-2);
    nd4jValues = parameters.values().dup();
    nd4jGradients = Nd4j.create(DataType.FLOAT, n);
    Adam config = new Adam(1e-3);
    nd4j = config.instantiate(Nd4j.create(DataType.FLOAT, 1, config.stateSize(n)), true);
  }

  /**
   * Solstice's Adam step.
   *
   * @return the parameters (consumed by JMH)
   */
  @Benchmark
  public INDArray solsticeOptimizer() {
    parameters.gradients().assign(gradient);
    solstice.step();
    return parameters.values();
  }

  /**
   * ND4J's updater and the subtraction.
   *
   * @return the parameters (consumed by JMH)
   */
  @Benchmark
  public INDArray nd4jUpdater() {
    nd4jGradients.assign(gradient);
    nd4j.applyUpdater(nd4jGradients, iteration++, 0);
    return nd4jValues.subi(nd4jGradients);
  }
}
