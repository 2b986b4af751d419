package io.solstice.arrow.reliability;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.HashMap;
import java.util.Map;

/**
 * A synchronous subscriber that fails, or stops the run, at the n-th event of the kind its plan
 * names. A stop is either thrown ({@link EarlyStoppingException}) or signalled through the
 * event's {@link io.solstice.reactive.RunControl#stop}, as the plan draws.
 */
final class FaultySubscriber implements TrainingSubscriber<FaultyExperiment, MeanMetric> {

  private final FaultPlan plan;
  private final Map<String, Integer> seen = new HashMap<>();

  FaultySubscriber(FaultPlan plan) {
    this.plan = plan;
  }

  @Override
  public void onEvent(TrainingEvent<FaultyExperiment, MeanMetric> event) {
    String kind = event.getClass().getSimpleName();
    int n = seen.merge(kind, 1, Integer::sum) - 1;
    if (!kind.equals(plan.failEvent()) || n != plan.failEventAt()) {
      return;
    }
    String where = kind + " #" + n;
    if (!plan.stopInsteadOfFail()) {
      throw new FaultyExperiment.InjectedFault(where);
    }
    if (plan.stopWithSignal()) {
      event.run().stop("injected stop signal in " + where);
    } else {
      throw new EarlyStoppingException("injected stop in " + where);
    }
  }
}
