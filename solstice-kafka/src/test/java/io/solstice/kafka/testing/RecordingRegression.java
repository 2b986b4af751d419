package io.solstice.kafka.testing;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.Step;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small real experiment: linear regression {@code y = w x + b} by SGD on the columns {@code
 * x} and {@code y} of Arrow batches, with ND4J. It also writes the {@code id} of every row it
 * trains on to a {@link TrainingLog}, and can sleep in each step to play a slow trainer.
 */
public final class RecordingRegression
    implements Experiment<RecordingRegression, ArrowBatch, Double>, Checkpointable<RecordingRegression> {
  private static final double LEARNING_RATE = 0.05;

  private final INDArray params;
  private final TrainingLog log;
  private final long stepMillis;

  /**
   * A fresh experiment with w = b = 0.
   *
   * @param log where trained ids go
   * @param stepMillis how long each train step sleeps (0 for none)
   */
  public RecordingRegression(TrainingLog log, long stepMillis) {
    this(Nd4j.zeros(DataType.DOUBLE, 2), log, stepMillis);
  }

  private RecordingRegression(INDArray params, TrainingLog log, long stepMillis) {
    this.params = params;
    this.log = log;
    this.stepMillis = stepMillis;
  }

  /**
   * The parameters [w, b].
   *
   * @return a copy
   */
  public double[] parameters() {
    return params.toDoubleVector();
  }

  @Override
  public Step<RecordingRegression, Double> trainStep(ArrowBatch batch) {
    int n = batch.rowCount();
    INDArray[] xy = columns(batch);
    INDArray error = xy[0].mul(params.getDouble(0)).addi(params.getDouble(1)).subi(xy[1]);
    double gradW = error.mul(xy[0]).meanNumber().doubleValue() * 2;
    double gradB = error.meanNumber().doubleValue() * 2;
    double loss = error.mul(error).meanNumber().doubleValue();
    params.putScalar(0, params.getDouble(0) - LEARNING_RATE * gradW);
    params.putScalar(1, params.getDouble(1) - LEARNING_RATE * gradB);
    BigIntVector ids = (BigIntVector) batch.root().getVector("id");
    for (int i = 0; i < n; i++) {
      log.trained(ids.get(i));
    }
    if (stepMillis > 0) {
      try {
        Thread.sleep(stepMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Step.of(this, loss);
  }

  @Override
  public Step<RecordingRegression, Double> evalStep(ArrowBatch batch) {
    INDArray[] xy = columns(batch);
    INDArray error = xy[0].mul(params.getDouble(0)).addi(params.getDouble(1)).subi(xy[1]);
    return Step.of(this, error.mul(error).meanNumber().doubleValue());
  }

  private static INDArray[] columns(ArrowBatch batch) {
    Float8Vector x = (Float8Vector) batch.root().getVector("x");
    Float8Vector y = (Float8Vector) batch.root().getVector("y");
    int n = batch.rowCount();
    double[] xs = new double[n];
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = x.get(i);
      ys[i] = y.get(i);
    }
    return new INDArray[] {Nd4j.createFromArray(xs), Nd4j.createFromArray(ys)};
  }

  @Override
  public NamedArrays state() {
    return NamedArrays.of(Map.of("params", params));
  }

  @Override
  public RecordingRegression withState(NamedArrays state) {
    return new RecordingRegression(state.get("params").dup(), log, stepMillis);
  }
}
