package io.solstice.online.linear;

import io.solstice.core.NamedArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The state and the row loop both online linear models share: {@code outputs x features} weights
 * then {@code outputs} biases in one float array, the updater, the row count, and {@link #pass},
 * which predicts every row of a batch and learns it. A model contributes only its {@link Head}:
 * how a row's scores become a prediction, a loss and the gradient of the loss by the scores.
 */
final class LinearCore {
  final int outputs;
  final int features;
  final LinearOptions options;
  final float[] parameters;
  /** The accumulated gradient of a per-batch update; unused per row. */
  private final float[] gradient;
  private final LinearUpdater updater;
  /** A row's scores, then (in place) whatever the head makes of them. */
  private final double[] scores;
  /** The gradient of a row's loss by its scores. */
  private final double[] scoreGradient;
  private int pending;
  long rows;

  /**
   * What distinguishes one linear model from another: a row's scores in, its prediction recorded,
   * the gradient of its loss by the scores out.
   */
  interface Head {
    /**
     * Handles row {@code r} of the batch being passed.
     *
     * @param r the row's index in the batch
     * @param scores the row's scores, {@code W x + b}; the head may overwrite them
     * @param scoreGradient where the head writes {@code dLoss / dScore}, one value per output
     */
    void row(int r, double[] scores, double[] scoreGradient);
  }

  LinearCore(int outputs, int features, LinearOptions options) {
    if (outputs < 1 || features < 1) {
      throw new IllegalArgumentException("need at least one output and one feature");
    }
    this.outputs = outputs;
    this.features = features;
    this.options = options;
    this.parameters = new float[outputs * features + outputs];
    this.gradient = new float[parameters.length];
    this.updater = new LinearUpdater(options.updater(), parameters.length);
    this.scores = new double[outputs];
    this.scoreGradient = new double[outputs];
  }

  /**
   * Test-then-train (or only test) over the rows read last: for each row in order, its scores go
   * to the head, which records the prediction; when training, the row is then learned (per row:
   * the next row is predicted by the updated model) and, per batch, the batch's mean gradient is
   * applied at the end.
   */
  void pass(LabeledRows rows, boolean train, Head head) {
    float[] x = rows.features();
    int n = rows.rows();
    for (int r = 0, offset = 0; r < n; r++, offset += features) {
      scores(x, offset, scores);
      head.row(r, scores, scoreGradient);
      if (train) {
        learn(x, offset, scoreGradient);
      }
    }
    if (train) {
      apply();
    }
  }

  /**
   * One row outside a batch: predicts it, learns it and, in per-batch mode, applies it as a batch
   * of one.
   */
  void learnOne(float[] x, Head head) {
    scores(x, 0, scores);
    head.row(0, scores, scoreGradient);
    learn(x, 0, scoreGradient);
    apply();
  }

  /** One row's scores without learning (the head sees them; its gradient is ignored). */
  void predictOne(float[] x, Head head) {
    scores(x, 0, scores);
    head.row(0, scores, scoreGradient);
  }

  /** The scores {@code W x + b} of the row starting at {@code x[offset]}. */
  private void scores(float[] x, int offset, double[] out) {
    int biases = outputs * features;
    for (int k = 0, base = 0; k < outputs; k++, base += features) {
      float sum = parameters[biases + k];
      for (int i = 0; i < features; i++) {
        sum += parameters[base + i] * x[offset + i];
      }
      out[k] = sum;
    }
  }

  /**
   * Learns the row at {@code x[offset]} whose loss has gradient {@code dz} by the scores: per row,
   * one update now; per batch, its gradient {@code dz [x, 1]} joins the batch's.
   */
  private void learn(float[] x, int offset, double[] dz) {
    rows++;
    if (options.perRow()) {
      updater.stepRow(parameters, outputs, features, x, offset, dz, (float) options.l2());
      return;
    }
    int biases = outputs * features;
    for (int k = 0, base = 0; k < outputs; k++, base += features) {
      float d = (float) dz[k];
      for (int i = 0; i < features; i++) {
        gradient[base + i] += d * x[offset + i];
      }
      gradient[biases + k] += d;
    }
    pending++;
  }

  /** Applies the mean of the gradients accumulated in per-batch mode, if any. */
  private void apply() {
    if (pending == 0) {
      return;
    }
    float scale = 1f / pending;
    int weights = outputs * features;
    float l2 = (float) options.l2();
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] = gradient[i] * scale + (i < weights ? l2 * parameters[i] : 0);
    }
    updater.step(parameters, gradient);
    Arrays.fill(gradient, 0);
    pending = 0;
  }

  void boost(double factor, long updates) {
    if (!(factor > 0) || updates < 0) {
      throw new IllegalArgumentException("need factor > 0 and updates >= 0");
    }
    updater.boost(factor, updates);
  }

  void reset() {
    Arrays.fill(parameters, 0);
    Arrays.fill(gradient, 0);
    updater.reset();
    pending = 0;
  }

  NamedArrays state() {
    NamedArrays.Builder state = NamedArrays.builder()
        .put("W", Nd4j.createFromArray(Arrays.copyOf(parameters, outputs * features)).reshape(outputs, features))
        .put("b", Nd4j.createFromArray(Arrays.copyOfRange(parameters, outputs * features, parameters.length)));
    String[] names = updater.stateNames();
    for (int v = 0; v < names.length; v++) {
      float[] values = v == 0 ? updater.first : updater.second;
      state.put("updater/" + names[v], Nd4j.createFromArray(values.clone()));
    }
    return state
        .scalar("updater/iteration", updater.iteration)
        .scalar("updater/boost", updater.boost)
        .scalar("updater/boostedSteps", updater.boostedSteps)
        .scalar("rows", rows)
        .build();
  }

  void load(NamedArrays state) {
    float[] w = state.get("W", DataType.FLOAT, outputs, features).dup('c').data().asFloat();
    float[] b = state.get("b", DataType.FLOAT, outputs).dup('c').data().asFloat();
    System.arraycopy(w, 0, parameters, 0, w.length);
    System.arraycopy(b, 0, parameters, w.length, b.length);
    String[] names = updater.stateNames();
    for (int v = 0; v < names.length; v++) {
      float[] target = v == 0 ? updater.first : updater.second;
      float[] values = state.get("updater/" + names[v], DataType.FLOAT, target.length).dup('c').data().asFloat();
      System.arraycopy(values, 0, target, 0, target.length);
    }
    updater.iteration = state.getLong("updater/iteration");
    updater.boost = state.getDouble("updater/boost");
    updater.boostedSteps = state.getLong("updater/boostedSteps");
    rows = state.getLong("rows");
  }
}
