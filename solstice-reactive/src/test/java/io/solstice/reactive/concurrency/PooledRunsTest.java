package io.solstice.reactive.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunThreadPool;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs that share a {@link RunThreadPool} end exactly where each ends alone: 200 small online
 * runs at once on two step lanes and two reader lanes, each compared bit for bit (final state and
 * every train step's loss) with the same run on threads of its own, one at a time.
 */
class PooledRunsTest {
  private static final int RUNS = 200;
  private static final int FEATURES = 20;
  private static final int ROWS = 16;
  private static final int BATCHES = 10;
  private static final int EPOCHS = 2;

  /** What a run leaves behind. */
  record Outcome(NamedArrays finalState, List<Double> trainLosses) {}

  @Test
  void twoHundredRunsSharingAPoolEqualTheirLoneTwinsBitwise() {
    long t0 = System.nanoTime();
    List<Outcome> alone = new ArrayList<>();
    for (int seed = 1; seed <= RUNS; seed++) {
      alone.add(train(seed, run -> run).block(Duration.ofMinutes(2)));
    }

    long t1 = System.nanoTime();
    List<Outcome> pooled;
    try (RunThreadPool pool = RunThreadPool.create(2, 2)) {
      pooled = Flux.fromStream(IntStream.rangeClosed(1, RUNS).boxed())
          // All subscribed at once: every run holds its lanes while the others train.
          .flatMapSequential(seed -> train(seed, run -> run.threadPool(pool)), RUNS)
          .collectList()
          .block(Duration.ofMinutes(5));
      // Each gives them back when it terminates, just after its last signal.
      await("every run gave its lanes back").atMost(Duration.ofSeconds(30)).until(() -> pool.activeRuns() == 0);
    }

    System.out.printf("200 runs one at a time on threads of their own: %.1f s; at once on a pool of 2 + 2 threads: %.1f s%n",
        (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
    assertThat(alone).as("runs with distinct seeds").doesNotHaveDuplicates();
    assertThat(pooled).hasSize(RUNS);
    for (int i = 0; i < RUNS; i++) {
      assertThat(pooled.get(i)).as("run with seed %d, pooled vs alone", i + 1).isEqualTo(alone.get(i));
    }
  }

  @Test
  void theRunsOfOneLaneTakeTurnsStepByStep() {
    int runs = 10;
    AtomicLongArray steps = new AtomicLongArray(runs);
    List<Disposable> started = new ArrayList<>();
    try (RunThreadPool pool = RunThreadPool.create(1, 1)) {
      for (int i = 0; i < runs; i++) {
        int index = i;
        // Endless sources that are never slower than the step: nothing but the lane makes turns.
        started.add(Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(new Ledger(), Long.MAX_VALUE))
            .threadPool(pool)
            .subscribers(event -> {
              if (event instanceof TrainingEvent.StepEnded<?, ?>) {
                steps.incrementAndGet(index);
              }
            })
            .events().subscribe());
      }
      // Run 0 steps alone while runs 1-9 are still being subscribed, so counts from zero would
      // favour the early runs. Once every run has stepped, all of them take turns on the lane:
      // the increases from that snapshot on are what the turns decide.
      await("every run stepped").atMost(Duration.ofSeconds(60)).until(() -> everyRunStepped(steps));
      long[] baseline = snapshot(steps);
      long baseTotal = sum(baseline);
      await().atMost(Duration.ofSeconds(60)).until(() -> total(steps) - baseTotal >= 20_000);
      long[] after = snapshot(steps);
      started.forEach(Disposable::dispose);
      // A cancelled run ends on its lane, after this thread returns: the pool is closed once they
      // all have, as RunThreadPool asks.
      await("every run ended").atMost(Duration.ofSeconds(60)).until(() -> pool.activeRuns() == 0);

      long min = Long.MAX_VALUE;
      long max = 0;
      for (int i = 0; i < runs; i++) {
        long increase = after[i] - baseline[i];
        min = Math.min(min, increase);
        max = Math.max(max, increase);
      }
      System.out.printf("steps per run on one lane after all had started: min %d, max %d%n", min, max);
      // Taking turns, no run falls far behind another once all have started.
      assertThat(min).as("the least served run's steps").isGreaterThanOrEqualTo(max / 2);
    }
  }

  private static boolean everyRunStepped(AtomicLongArray steps) {
    for (int i = 0; i < steps.length(); i++) {
      if (steps.get(i) == 0) {
        return false;
      }
    }
    return true;
  }

  private static long[] snapshot(AtomicLongArray steps) {
    long[] counts = new long[steps.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = steps.get(i);
    }
    return counts;
  }

  private static long sum(long[] counts) {
    long sum = 0;
    for (long count : counts) {
      sum += count;
    }
    return sum;
  }

  private static long total(AtomicLongArray steps) {
    return sum(snapshot(steps));
  }

  /** A 20-16-2 MLP with dropout (so steps draw masks) on its own seeded stream of rows. */
  private static Mono<Outcome> train(long seed, UnaryOperator<Run<MlpClassifier, TensorBatch, ClassificationMetrics>> threads) {
    return Mono.defer(() -> {
      MlpClassifier model = MlpClassifier.builder()
          .inputs(FEATURES).hidden(16).classes(2).dropout(0.1).updater(new Adam(1e-2)).seed(seed).build();
      List<Double> losses = new CopyOnWriteArrayList<>();
      return threads.apply(Solstice.run(model))
          .train(Flux.fromIterable(batches(seed)))
          .epochs(EPOCHS)
          .subscribers(event -> {
            if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN) {
              losses.add(((ClassificationMetrics) step.outputs()).compute().get("loss"));
            }
          })
          .experiment()
          .map(trained -> new Outcome(trained.state().copy(), List.copyOf(losses)));
    });
  }

  private static List<TensorBatch> batches(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<TensorBatch> batches = new ArrayList<>();
    for (int b = 0; b < BATCHES; b++) {
      float[][] x = new float[ROWS][FEATURES];
      int[] y = new int[ROWS];
      for (int r = 0; r < ROWS; r++) {
        for (int f = 0; f < FEATURES; f++) {
          x[r][f] = (float) random.nextGaussian();
        }
        y[r] = x[r][0] + x[r][1] > 0 ? 1 : 0;
      }
      batches.add(TensorBatch.of(Nd4j.create(x), Nd4j.createFromArray(y)));
    }
    return batches;
  }
}
