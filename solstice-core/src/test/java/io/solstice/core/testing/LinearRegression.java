package io.solstice.core.testing;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tiny pure-ND4J experiment for tests: linear regression trained by SGD with momentum and a
 * random gradient perturbation drawn from an RNG whose state is part of the checkpointed state.
 * Updates its arrays in place and returns itself (the engine's fast path).
 */
public final class LinearRegression
    implements Experiment<LinearRegression, LinearRegression.Batch, MeanMetric>,
        Checkpointable<LinearRegression> {

  /** Features and targets. */
  public record Batch(INDArray x, INDArray y) {}

  static final int FEATURES = 3;
  private static final double LR = 0.05;
  private static final double MOMENTUM = 0.9;

  private final INDArray w;
  private final INDArray b;
  private final INDArray vw;
  private final INDArray vb;
  private long steps;
  private long rngState;

  private LinearRegression(INDArray w, INDArray b, INDArray vw, INDArray vb, long steps, long rng) {
    this.w = w;
    this.b = b;
    this.vw = vw;
    this.vb = vb;
    this.steps = steps;
    this.rngState = rng;
  }

  /**
   * A fresh experiment with weights drawn from the seed.
   *
   * @param seed the seed
   * @return the experiment
   */
  public static LinearRegression create(long seed) {
    Random random = new Random(seed);
    double[] weights = new double[FEATURES];
    for (int i = 0; i < FEATURES; i++) {
      weights[i] = random.nextGaussian();
    }
    return new LinearRegression(
        Nd4j.createFromArray(weights).reshape(FEATURES, 1),
        Nd4j.zeros(DataType.DOUBLE, 1),
        Nd4j.zeros(DataType.DOUBLE, FEATURES, 1),
        Nd4j.zeros(DataType.DOUBLE, 1),
        0,
        seed ^ 0x9E3779B97F4A7C15L);
  }

  /**
   * Deterministic batches of y = x·[1, -2, 0.5] + 0.3 plus noise.
   *
   * @param count how many
   * @param size rows per batch
   * @param seed the seed
   * @return the batches
   */
  public static List<Batch> batches(int count, int size, long seed) {
    List<Batch> batches = new ArrayList<>();
    Random random = new Random(seed);
    for (int n = 0; n < count; n++) {
      double[][] x = new double[size][FEATURES];
      double[][] y = new double[size][1];
      for (int r = 0; r < size; r++) {
        for (int c = 0; c < FEATURES; c++) {
          x[r][c] = random.nextGaussian();
        }
        y[r][0] = x[r][0] - 2 * x[r][1] + 0.5 * x[r][2] + 0.3 + 0.1 * random.nextGaussian();
      }
      batches.add(new Batch(Nd4j.createFromArray(x), Nd4j.createFromArray(y)));
    }
    return batches;
  }

  @Override
  public Step<LinearRegression, MeanMetric> trainStep(Batch batch) {
    INDArray residual = batch.x().mmul(w).addi(b.getDouble(0)).subi(batch.y());
    double loss = residual.mul(residual).meanNumber().doubleValue();
    long rows = batch.x().rows();
    INDArray gw = batch.x().transpose().mmul(residual).muli(2.0 / rows);
    double gb = residual.sumNumber().doubleValue() * 2.0 / rows;
    gw.addi(nextNoise() * 1e-3);
    vw.muli(MOMENTUM).addi(gw);
    vb.muli(MOMENTUM).addi(gb);
    w.subi(vw.mul(LR));
    b.subi(vb.mul(LR));
    steps++;
    return Step.of(this, MeanMetric.ofMean("loss", loss, rows));
  }

  @Override
  public Step<LinearRegression, MeanMetric> evalStep(Batch batch) {
    INDArray residual = batch.x().mmul(w).addi(b.getDouble(0)).subi(batch.y());
    return Step.of(this, MeanMetric.ofMean("loss", residual.mul(residual).meanNumber().doubleValue(), batch.x().rows()));
  }

  /** splitmix64: a generator whose whole state is one long, so it checkpoints exactly. */
  private double nextNoise() {
    rngState += 0x9E3779B97F4A7C15L;
    long z = rngState;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53 - 0.5;
  }

  @Override
  public NamedArrays state() {
    return NamedArrays.builder()
        .put("w", w)
        .put("b", b)
        .put("optimizer/vw", vw)
        .put("optimizer/vb", vb)
        .scalar("steps", steps)
        .scalar("rng/state", rngState)
        .build();
  }

  @Override
  public LinearRegression withState(NamedArrays state) {
    return new LinearRegression(
        state.get("w", DataType.DOUBLE, FEATURES, 1).dup(),
        state.get("b", DataType.DOUBLE, 1).dup(),
        state.get("optimizer/vw", DataType.DOUBLE, FEATURES, 1).dup(),
        state.get("optimizer/vb", DataType.DOUBLE, 1).dup(),
        state.getLong("steps"),
        state.getLong("rng/state"));
  }

  /**
   * The number of train steps taken.
   *
   * @return the count
   */
  public long steps() {
    return steps;
  }
}
