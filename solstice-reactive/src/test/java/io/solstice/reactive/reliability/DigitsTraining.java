package io.solstice.reactive.reliability;

import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.callbacks.CheckpointCallback;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * The training run the crash-safety test interrupts: a small MLP on the bundled digits, four
 * epochs of 18 batches, through {@link Solstice#run}, with a checkpoint every 3 train steps and
 * at the end. The same code runs in the killed child JVMs and, without checkpoints, as the
 * uninterrupted reference.
 */
final class DigitsTraining {

  static final int EPOCHS = 4;
  static final int BATCH = 100;
  static final int CHECKPOINT_EVERY = 3;

  private DigitsTraining() {}

  static MlpClassifier fresh() {
    return MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(16)
        .classes(DigitsDataset.CLASSES).seed(11).build();
  }

  static long totalSteps() {
    return (long) EPOCHS * ((1797 + BATCH - 1) / BATCH);
  }

  /**
   * Trains to the end, resuming from the latest checkpoint in {@code checkpoints} if there is
   * one (null: no checkpoints), printing "step N" after each train step, once the checkpoint
   * subscriber has handled it.
   */
  static MlpClassifier run(Path checkpoints, PrintStream progress) {
    List<TensorBatch> batches = DigitsDataset.bundled().batches(BATCH);
    MlpClassifier start = fresh();
    CheckpointCallback saver = null;
    Resumed<MlpClassifier> resumed = null;
    if (checkpoints != null) {
      saver = CheckpointCallback.builder(checkpoints)
          .everySteps(CHECKPOINT_EVERY).atEnd(true).keepLast(2).build();
      resumed = saver.resume(start);
      start = resumed.experiment();
    }
    Run<MlpClassifier, TensorBatch, ClassificationMetrics> run = Solstice.run(start)
        .train(Flux.fromIterable(batches)).epochs(EPOCHS).validateEveryEpochs(0);
    if (saver != null) {
      run = run.resumeFrom(resumed.position()).subscribers(saver);
    }
    if (progress != null) {
      run = run.subscribers(event -> {
        if (event instanceof TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics> step
            && step.mode() == Mode.TRAIN) {
          progress.println("step " + step.globalStep());
          progress.flush();
        }
      });
    }
    return run.block();
  }
}
