package io.solstice.arrow.reliability;

import io.solstice.core.Experiment;
import io.solstice.core.Step;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.MeanMetric;

/**
 * A tiny functional experiment that reads every value of each batch (real ND4J math over
 * Arrow memory: a batch used after close would read freed memory), counts its steps, and
 * throws at the train and eval steps its plan names.
 */
record FaultyExperiment(FaultPlan plan, long trainSteps, long evalSteps)
    implements Experiment<FaultyExperiment, TensorBatch, MeanMetric> {

  @Override
  public Step<FaultyExperiment, MeanMetric> trainStep(TensorBatch batch) {
    if (trainSteps == plan.failTrainStep()) {
      throw new InjectedFault("train step " + trainSteps);
    }
    double loss = read(batch);
    return Step.of(new FaultyExperiment(plan, trainSteps + 1, evalSteps), MeanMetric.of("loss", loss));
  }

  @Override
  public Step<FaultyExperiment, MeanMetric> evalStep(TensorBatch batch) {
    if (evalSteps == plan.failEvalStep()) {
      throw new InjectedFault("eval step " + evalSteps);
    }
    double loss = read(batch);
    return Step.of(new FaultyExperiment(plan, trainSteps, evalSteps + 1), MeanMetric.of("loss", loss));
  }

  private double read(TensorBatch batch) {
    double sum = batch.features().sumNumber().doubleValue() + batch.labels().sumNumber().doubleValue();
    Pause.millis(plan.stepDelayMs());
    return sum;
  }

  /** The exception every injected fault throws. */
  static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(String where) {
      super("injected fault in " + where);
    }
  }

  /** Sleeps without letting an interrupt escape as a checked exception. */
  static final class Pause {
    private Pause() {}

    static void millis(int ms) {
      if (ms <= 0) {
        return;
      }
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
