package io.solstice.examples.job;

import io.solstice.core.metrics.RegressionMetrics;
import io.solstice.core.models.MlpRegressor;
import io.solstice.examples.report.RegressionReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Regression with an {@link MlpRegressor} that learns the standardized target (mean and scale
 * of the train split) and reports in the target's units: early stopping on the validation mean
 * squared error, a report of R^2, MAE and RMSE as scikit-learn computes them.
 *
 * @param target the target column
 * @param targetMean the train split's target mean
 * @param targetScale the train split's target standard deviation (1 when constant)
 * @param huberDelta the Huber loss's delta in standard deviations, or 0 for the squared error
 */
public record RegressionTask(String target, double targetMean, double targetScale, double huberDelta)
    implements ModelTask<MlpRegressor, RegressionMetrics> {

  @Override
  public MlpRegressor newModel(int inputs, int[] hidden, double learningRate, double weightDecay, long seed) {
    MlpRegressor.Builder builder = MlpRegressor.builder().inputs(inputs).hidden(hidden)
        .targetScaling(new double[] {targetMean}, new double[] {targetScale})
        .updater(new Adam(learningRate)).weightDecay(weightDecay).seed(seed);
    if (huberDelta > 0) {
      builder.huber(huberDelta);
    }
    return builder.build();
  }

  @Override
  public String monitor() {
    return "mse";
  }

  @Override
  public List<String> headline() {
    return List.of("mse", "r2", "mae");
  }

  @Override
  public String title() {
    return "Regression";
  }

  @Override
  public String report(RegressionMetrics test) {
    return RegressionReport.format(test);
  }

  @Override
  public long rows(RegressionMetrics metrics) {
    return metrics.count();
  }

  @Override
  public Map<String, Object> describe() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("task", "regression");
    out.put("target", target);
    out.put("loss", huberDelta > 0 ? "huber" : "squared_error");
    if (huberDelta > 0) {
      out.put("huber_delta", huberDelta);
    }
    Map<String, Object> scaling = new LinkedHashMap<>();
    scaling.put("mean", targetMean);
    scaling.put("scale", targetScale);
    out.put("target_scaling", scaling);
    return out;
  }
}
