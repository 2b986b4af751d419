package io.solstice.arrow.reliability;

import io.solstice.core.Callback;
import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.MeanMetric;
import java.util.HashMap;
import java.util.Map;

/** Throws (an error or an early stop) at the n-th call of the hook its plan names. */
final class FaultyCallback implements Callback<FaultyExperiment, TensorBatch, MeanMetric> {

  private final FaultPlan plan;
  private final Map<String, Integer> calls = new HashMap<>();

  FaultyCallback(FaultPlan plan) {
    this.plan = plan;
  }

  private void maybeFail(String hook) {
    int n = calls.merge(hook, 1, Integer::sum) - 1;
    if (hook.equals(plan.failHook()) && n == plan.failHookAt()) {
      if (plan.stopInsteadOfFail()) {
        throw new EarlyStoppingException("injected stop in " + hook + " #" + n);
      }
      throw new FaultyExperiment.InjectedFault(hook + " #" + n);
    }
  }

  @Override
  public void onEpochStart(FaultyExperiment e, int epoch, Mode mode) {
    maybeFail("onEpochStart");
  }

  @Override
  public void onStepStart(FaultyExperiment e, long step, Mode mode, TensorBatch batch) {
    maybeFail("onStepStart");
  }

  @Override
  public void onStepEnd(MeanMetric o, FaultyExperiment e, long step, Mode mode, TensorBatch batch) {
    maybeFail("onStepEnd");
  }

  @Override
  public void onEpochEnd(FaultyExperiment e, int epoch, Mode mode) {
    maybeFail("onEpochEnd");
  }

  @Override
  public void onRunEnd(FaultyExperiment e, RunOutcome outcome) {
    maybeFail("onRunEnd");
  }
}
