package io.solstice.online.linear;

import io.solstice.core.NamedArrays;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The state and arithmetic both online linear models share: {@code outputs x features} weights
 * then {@code outputs} biases in one float array, its gradient, the updater and the row count.
 */
final class LinearCore {
  final int outputs;
  final int features;
  final LinearOptions options;
  final float[] parameters;
  private final float[] gradient;
  private final LinearUpdater updater;
  private int pending;
  long rows;

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
  }

  /** The linear score of output {@code k}. */
  double score(int k, float[] x) {
    int base = k * features;
    float sum = parameters[outputs * features + k];
    for (int i = 0; i < features; i++) {
      sum += parameters[base + i] * x[i];
    }
    return sum;
  }

  /** Adds {@code dz * [x, 1]} to output {@code k}'s gradient. */
  void accumulate(int k, float[] x, double dz) {
    float d = (float) dz;
    int base = k * features;
    for (int i = 0; i < features; i++) {
      gradient[base + i] += d * x[i];
    }
    gradient[outputs * features + k] += d;
  }

  /** Ends a row: in per-row mode, applies its gradient. */
  void endRow() {
    rows++;
    pending++;
    if (options.perRow()) {
      apply();
    }
  }

  /** Applies the mean of the accumulated gradients, if any. */
  void apply() {
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
