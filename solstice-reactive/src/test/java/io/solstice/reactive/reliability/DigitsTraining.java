package io.solstice.reactive.reliability;

import io.solstice.core.Callback;
import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.reactive.callbacks.CheckpointCallback;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * The training run the crash-safety test interrupts: a small MLP on the bundled digits, four
 * epochs of 18 batches, through {@link Solstice#train}, with a checkpoint every 3 train steps
 * and at the end. The same code runs in the killed child JVMs and, without checkpoints, as the
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
   * one (null: no checkpoints), printing "step N" after each train step's checkpoint hook.
   */
  static MlpClassifier run(Path checkpoints, PrintStream progress) {
    List<TensorBatch> batches = DigitsDataset.bundled().batches(BATCH);
    List<Callback<? super MlpClassifier, ? super TensorBatch, ? super ClassificationMetrics>> callbacks =
        new ArrayList<>();
    MlpClassifier start = fresh();
    TrainOptions.Builder options = TrainOptions.builder().validateEveryEpochs(0);
    if (checkpoints != null) {
      CheckpointCallback<MlpClassifier, TensorBatch, ClassificationMetrics> saver =
          CheckpointCallback.<MlpClassifier, TensorBatch, ClassificationMetrics>builder(checkpoints)
              .everySteps(CHECKPOINT_EVERY).atEnd(true).keepLast(2).build();
      Resumed<MlpClassifier> resumed = saver.resume(start);
      start = resumed.experiment();
      options.resumeFrom(resumed.position());
      callbacks.add(saver);
    }
    if (progress != null) {
      callbacks.add(new Callback<MlpClassifier, TensorBatch, ClassificationMetrics>() {
        @Override
        public void onStepEnd(ClassificationMetrics o, MlpClassifier e, long step, Mode mode, TensorBatch b) {
          progress.println("step " + step);
          progress.flush();
        }
      });
    }
    return Solstice.train(start, EPOCHS, Flux.fromIterable(batches), null, callbacks, options.build())
        .block();
  }
}
