package io.solstice.reactive.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.data.Digits;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.testing.Concurrently;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.CheckpointCallback;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import reactor.core.publisher.Flux;

/**
 * The run-level check of the concurrency suite, shared by every model kind (through this
 * module's test jar): {@value #RUNS} digits runs of {@value #EPOCHS} epochs with validation,
 * each with its own seed, source, checkpoint directory and callbacks, first one at a time, then
 * all at once in the same JVM. Each run's final state, every train step's loss and its last
 * checkpoint read back from disk must equal, bit for bit, those of the same run alone.
 */
public final class ConcurrentRuns {

  /** Runs at once. */
  public static final int RUNS = 6;

  /** Epochs per run. */
  public static final int EPOCHS = 2;

  /** Rows per batch: 10 train and 3 validation batches per epoch. */
  public static final int BATCH = 150;

  private ConcurrentRuns() {}

  /** What a run leaves behind, compared bitwise ({@link NamedArrays#equals}, exact losses). */
  public record RunRecord(
      NamedArrays finalState, List<Double> trainLosses, NamedArrays lastCheckpoint) {}

  /**
   * Runs seeds {@code firstSeed} to {@code firstSeed + 5} alone, then at once, and asserts
   * that each run at once equals its lone twin (and that the lone runs differ, or the
   * comparison would prove nothing).
   *
   * @param dir a fresh directory for the runs' checkpoints
   * @param kind names the runs in directories and messages
   * @param firstSeed the first seed
   * @param model builds a fresh model from a seed (called on the run's thread)
   * @param <E> the experiment type
   */
  public static <E extends Experiment<E, TensorBatch, ClassificationMetrics> & Checkpointable<E>>
      void assertRunsAtOnceEqualTheirLoneTwins(
          Path dir, String kind, long firstSeed, LongFunction<E> model) {
    List<RunRecord> alone = Concurrently.oneAtATime(RUNS, i ->
        record(model.apply(firstSeed + i), dir.resolve(kind + "-alone-" + i), List.of()));
    List<RunRecord> together = Concurrently.allAtOnce(RUNS, i ->
        record(model.apply(firstSeed + i), dir.resolve(kind + "-together-" + i), List.of()));

    assertThat(alone).as("%s runs with distinct seeds", kind).doesNotHaveDuplicates();
    for (int i = 0; i < RUNS; i++) {
      assertThat(together.get(i)).as("%s run with seed %d, at once vs alone", kind, firstSeed + i)
          .isEqualTo(alone.get(i));
    }
  }

  /**
   * Trains {@code start} on its own copy of the digits split (validation on the test part)
   * with a checkpoint every 5 train steps and at the end, a subscriber recording every train
   * step's loss, and the {@code extra} subscribers first.
   *
   * @param start a fresh experiment
   * @param checkpoints the run's own checkpoint directory
   * @param extra more subscribers, run before the others
   * @param <E> the experiment type
   * @return what the run left behind
   */
  public static <E extends Experiment<E, TensorBatch, ClassificationMetrics> & Checkpointable<E>>
      RunRecord record(E start, Path checkpoints, List<TrainingSubscriber<Object, Object>> extra) {
    DigitsDataset.Split split = Digits.split();
    List<Double> losses = new ArrayList<>();
    List<TrainingSubscriber<Object, Object>> subscribers = new ArrayList<>(extra);
    subscribers.add(CheckpointCallback.builder(checkpoints)
        .everySteps(5).atEnd(true).keepLast(2).build());
    subscribers.add(event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN) {
        losses.add(((ClassificationMetrics) step.outputs()).compute().get("loss"));
      }
    });
    E trained = train(start, split.train().batches(BATCH), split.test().batches(BATCH),
        subscribers);
    NamedArrays checkpoint = CheckpointStore.open(checkpoints).loadLatest().orElseThrow().state();
    return new RunRecord(trained.state().copy(), List.copyOf(losses), checkpoint);
  }

  /** The one call into the engine. */
  private static <E extends Experiment<E, TensorBatch, ClassificationMetrics>> E train(
      E start, List<TensorBatch> train, List<TensorBatch> val,
      List<TrainingSubscriber<Object, Object>> subscribers) {
    Run<E, TensorBatch, ClassificationMetrics> run = Solstice.run(start)
        .train(Flux.fromIterable(train)).validate(Flux.fromIterable(val)).epochs(EPOCHS);
    for (TrainingSubscriber<Object, Object> subscriber : subscribers) {
      run = run.subscribers(subscriber);
    }
    return run.block();
  }
}
