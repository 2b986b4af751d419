package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.Json;
import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunThreadPool;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * Many online runs in one JVM: {@code manyRuns} small models (20-16-2 MLPs with Adam, batches
 * of 16 rows from memory, endless) training at once on a {@link RunThreadPool#forCores()} pool.
 * Reports the threads they use, their aggregate steps per second against one run alone times
 * the pool's step threads (the most the cores allow), how evenly the runs progress (max over
 * min steps per run while counting), and the heap an idle run holds; and, for comparison, the
 * threads a run without a pool starts.
 */
public final class ManyRunsBenchmark {
  private static final int FEATURES = 20;
  private static final int ROWS = 16;
  private static final int BATCHES = 8;
  /** Runs measured without a pool, for their thread count only. */
  private static final int UNPOOLED_RUNS = 50;

  private ManyRunsBenchmark() {}

  /**
   * Runs the benchmark.
   *
   * @param config the number of runs and the counting time
   * @return the figures
   */
  public static Json.Obj run(BenchConfig config) {
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    List<TensorBatch> batches = batches();
    long countMillis = config.manyRunsSeconds() * 1_000L;
    double alone = stepsPerSecondAlone(batches, countMillis);
    try (RunThreadPool pool = RunThreadPool.forCores()) {
      Json.Obj idle = idleFootprint(config.manyRuns(), batches, run -> run.threadPool(pool));
      Json.Obj busy = training(config.manyRuns(), batches, run -> run.threadPool(pool), countMillis, threadsBefore);
      double aggregate = (double) busy.get("steps_per_second");
      return Json.obj()
          .put("runs", config.manyRuns())
          .put("model", "20-16-2 MLP, Adam, batches of 16 rows from memory")
          .put("pool_step_threads", pool.stepThreads())
          .put("pool_reader_threads", pool.readerThreads())
          .put("cores", Runtime.getRuntime().availableProcessors())
          .put("steps_per_second_one_run_alone", alone)
          .put("many_runs_steps_per_second", aggregate)
          .put("many_runs_vs_alone_times_step_threads", aggregate / (alone * pool.stepThreads()))
          .put("many_runs_threads", busy.get("threads_started"))
          .put("many_runs_max_over_min_steps", busy.get("max_over_min_steps"))
          .put("many_runs_min_steps_per_run", busy.get("min_steps"))
          .put("many_runs_max_steps_per_run", busy.get("max_steps"))
          .put("many_runs_steps_by_run", busy.get("steps_by_run"))
          .put("many_runs_heap_bytes_per_idle_run", idle.get("heap_bytes_per_run"))
          .put("threads_per_run_without_pool", threadsPerRunWithoutPool(batches));
    }
  }

  /** One run on threads of its own: its steps per second over the counting time. */
  private static double stepsPerSecondAlone(List<TensorBatch> batches, long countMillis) {
    AtomicLongArray steps = new AtomicLongArray(1);
    Disposable run = start(0, batches, steps, run1 -> run1).events().subscribe();
    try {
      sleep(Math.min(2_000, countMillis / 4)); // warm-up
      long before = steps.get(0);
      long t0 = System.nanoTime();
      sleep(countMillis);
      return (steps.get(0) - before) / ((System.nanoTime() - t0) / 1e9);
    } finally {
      run.dispose();
    }
  }

  /** Threads started per training run when each run has threads of its own. */
  private static double threadsPerRunWithoutPool(List<TensorBatch> batches) {
    int before = ManagementFactory.getThreadMXBean().getThreadCount();
    Json.Obj unpooled = training(UNPOOLED_RUNS, batches, run -> run, 1_000, before);
    return (double) (long) unpooled.get("threads_started") / UNPOOLED_RUNS;
  }

  /** {@code runs} runs training at once: threads, aggregate steps per second, evenness. */
  private static Json.Obj training(
      int runs, List<TensorBatch> batches,
      UnaryOperator<Run<MlpClassifier, TensorBatch, ClassificationMetrics>> threadsOf,
      long countMillis, int threadsBefore) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    AtomicLongArray steps = new AtomicLongArray(runs);
    List<Disposable> all = new ArrayList<>();
    try {
      for (int i = 0; i < runs; i++) {
        all.add(start(i, batches, steps, threadsOf).events().subscribe());
      }
      sleep(Math.min(5_000, countMillis / 4)); // every run started and warm
      long[] before = snapshot(steps);
      long t0 = System.nanoTime();
      sleep(countMillis);
      long[] after = snapshot(steps);
      double seconds = (System.nanoTime() - t0) / 1e9;
      int threadsStarted = threads.getThreadCount() - threadsBefore;
      long[] counted = new long[runs];
      for (int i = 0; i < runs; i++) {
        counted[i] = after[i] - before[i];
      }
      long min = Arrays.stream(counted).min().orElse(0);
      long max = Arrays.stream(counted).max().orElse(0);
      return Json.obj()
          .put("threads_started", (long) threadsStarted)
          .put("steps_per_second", Arrays.stream(counted).sum() / seconds)
          .put("min_steps", min)
          .put("max_steps", max)
          .put("steps_by_run", Json.array(Arrays.stream(counted).asDoubleStream().toArray()))
          .put("max_over_min_steps", min == 0 ? Double.POSITIVE_INFINITY : (double) max / min);
    } finally {
      all.forEach(Disposable::dispose);
    }
  }

  /** {@code runs} runs subscribed with no demand (so they hold everything but never step). */
  private static Json.Obj idleFootprint(int runs, List<TensorBatch> batches, UnaryOperator<Run<MlpClassifier, TensorBatch, ClassificationMetrics>> threads) {
    ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = usedHeapAfterGc(memory);
    int threadsBefore = threadBean.getThreadCount();
    List<BaseSubscriber<Object>> idle = new ArrayList<>();
    AtomicLongArray steps = new AtomicLongArray(runs);
    for (int i = 0; i < runs; i++) {
      BaseSubscriber<Object> noDemand = new BaseSubscriber<>() {
        @Override
        protected void hookOnSubscribe(Subscription subscription) {
          // no request: the run is set up and waits
        }
      };
      start(i, batches, steps, threads).events().subscribe(noDemand);
      idle.add(noDemand);
    }
    sleep(500); // the runs' subscriptions reach their threads
    long heapAfter = usedHeapAfterGc(memory);
    int threadsStarted = threadBean.getThreadCount() - threadsBefore;
    idle.forEach(BaseSubscriber::dispose);
    return Json.obj()
        .put("heap_bytes_per_run", (double) (heapAfter - heapBefore) / runs)
        .put("threads_started", (long) threadsStarted);
  }

  private static Run<MlpClassifier, TensorBatch, ClassificationMetrics> start(
      int index, List<TensorBatch> batches, AtomicLongArray steps,
      UnaryOperator<Run<MlpClassifier, TensorBatch, ClassificationMetrics>> threads) {
    MlpClassifier model = MlpClassifier.builder()
        .inputs(FEATURES).hidden(16).classes(2).updater(new Adam(1e-2)).seed(index + 1).build();
    Run<MlpClassifier, TensorBatch, ClassificationMetrics> run = Solstice.run(model).train(Flux.fromIterable(batches).repeat())
        .subscribers(event -> {
          if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN) {
            steps.incrementAndGet(index);
          }
        });
    return threads.apply(run);
  }

  private static List<TensorBatch> batches() {
    SplittableRandom random = new SplittableRandom(7);
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

  private static long[] snapshot(AtomicLongArray steps) {
    long[] copy = new long[steps.length()];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = steps.get(i);
    }
    return copy;
  }

  private static long usedHeapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
