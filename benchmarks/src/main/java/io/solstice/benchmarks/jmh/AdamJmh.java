package io.solstice.benchmarks.jmh;

import io.solstice.core.nd4j.HostBytes;
import io.solstice.core.nd4j.Initializer;
import io.solstice.core.nd4j.Optimizer;
import io.solstice.core.nd4j.Parameters;
import java.nio.FloatBuffer;
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
 *
 * <p>Two parts of {@code solsticeOptimizer} are also timed alone, so that what is left is the
 * update's own work: {@code gradientAssign}, the copy of the fixed gradient into the model's
 * gradient that each measured update starts with, and {@code blockCopies}, the copies between
 * ND4J's memory and the Java heap that the plain loop makes on one thread (the gradient and the
 * parameters in, the parameters out, 512 values at a time). The loop on the Vector API, which
 * {@code benchmarks/bench} enables ({@code --add-modules=jdk.incubator.vector}, inherited by the
 * fork), makes none; run the jar with {@code java -jar} without the flag to time the plain loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdamJmh {

  /** Values per copy, as the update copies them. */
  private static final int BLOCK = 512;

  private Parameters parameters;
  private Optimizer solstice;
  private INDArray nd4jValues;
  private INDArray nd4jGradients;
  private GradientUpdater<?> nd4j;
  private INDArray gradient;
  private int iteration;
  private FloatBuffer gradientMemory;
  private FloatBuffer parameterMemory;
  private final float[] gradientBlock = new float[BLOCK];
  private final float[] parameterBlock = new float[BLOCK];

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
    gradientMemory = HostBytes.of(parameters.gradients()).asFloatBuffer();
    parameterMemory = HostBytes.of(parameters.values()).asFloatBuffer();
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
   * The gradient copy that {@link #solsticeOptimizer} starts with.
   *
   * @return the gradients (consumed by JMH)
   */
  @Benchmark
  public INDArray gradientAssign() {
    return parameters.gradients().assign(gradient);
  }

  /**
   * The update's copies alone, without its arithmetic.
   *
   * @return a copied value (consumed by JMH)
   */
  @Benchmark
  public float blockCopies() {
    int length = gradientMemory.capacity();
    for (int start = 0; start < length; start += BLOCK) {
      int n = Math.min(BLOCK, length - start);
      gradientMemory.get(start, gradientBlock, 0, n);
      parameterMemory.get(start, parameterBlock, 0, n);
      parameterMemory.put(start, parameterBlock, 0, n);
    }
    return gradientBlock[0] + parameterBlock[0];
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
