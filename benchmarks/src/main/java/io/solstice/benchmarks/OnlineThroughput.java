package io.solstice.benchmarks;

import com.yahoo.labs.samoa.instances.Instance;
import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowFlux;
import io.solstice.benchmarks.internal.CountedBatch;
import io.solstice.benchmarks.internal.Interleaved;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.MoaPrequential;
import io.solstice.benchmarks.internal.SpinExperiment;
import io.solstice.benchmarks.internal.Summary;
import io.solstice.benchmarks.internal.Timer;
import io.solstice.benchmarks.internal.TrainingThreadCpu;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.online.linear.LinearOptions;
import io.solstice.online.linear.OnlineLogisticRegression;
import io.solstice.online.streams.DriftingStreams;
import io.solstice.online.streams.HyperplaneGenerator;
import io.solstice.online.streams.RowGenerator;
import io.solstice.online.streams.SeaGenerator;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import moa.classifiers.AbstractClassifier;
import moa.classifiers.bayes.NaiveBayes;
import moa.classifiers.functions.SGD;
import moa.classifiers.trees.HoeffdingTree;
import moa.streams.InstanceStream;
import moa.streams.generators.SEAGenerator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.nd4j.linalg.learning.config.Sgd;
import reactor.core.publisher.Flux;

/**
 * Online learning against MOA 2024.07.0 in one JVM, one training thread each, test-then-train
 * per row: rows per second and prequential accuracy of Solstice's {@link
 * OnlineLogisticRegression} trained through the engine ({@code Solstice.run(model).train(...)}
 * over in-memory Arrow batches of {@value #BATCH} rows, each row predicted before it is learned)
 * and of MOA's {@code SGD}, {@code NaiveBayes} and {@code HoeffdingTree} (each row {@code
 * correctlyClassifies} then {@code trainOnInstance}) on the same rows: SEA (concept 1, 10% noise,
 * seed 1) and the 10-attribute hyperplane (5% noise, no drift, seed 1), MOA's defaults.
 *
 * <p>Neither side times its generator: MOA's rows are drawn by MOA's own generators into an
 * array of {@code Instance}s, and Solstice's by its generators (equal row for row, which this
 * benchmark checks: every label, and every value as float) into Arrow batches, before the
 * clock starts. Every measured run trains a fresh model over all rows, so each run's accuracy
 * is the same and is the prequential accuracy of one pass.
 *
 * <p>Besides wall-clock rows per second, each run records the CPU time of its training thread
 * (the engine's step thread; MOA's loop, which runs on a fresh thread per run as the engine's
 * step does), whose per-pair ratio does not depend on how much of a loaded machine each side got.
 *
 * <p>The engine's fixed cost per batch is measured two ways: engine runs of an experiment whose
 * step does nothing (steps per second), and the engine run of the logistic regression against a
 * plain loop calling the same {@code trainStep} on the same batches (the difference of their
 * times per batch, by wall clock and by the training thread's CPU time).
 */
public final class OnlineThroughput {

  /** Rows per Arrow batch. */
  public static final int BATCH = 1_024;

  /** Rows per generated batch, before they are cut into batches of {@value #BATCH}. */
  static final int GENERATED_ROWS = 10_000;

  /**
   * How Solstice's logistic regression learns: plain SGD, as MOA's {@code SGD} (which minimises
   * the hinge loss by default), per row, learning rate 0.001, no penalty.
   */
  static final LinearOptions OPTIONS = LinearOptions.defaults().withUpdater(new Sgd(0.001));

  private OnlineThroughput() {}

  /**
   * Runs the comparisons.
   *
   * @param config rows per stream and pair counts
   * @return the headline ratios and accuracies, and the details
   */
  public static Json.Obj run(BenchConfig config) {
    int rows = config.onlineRows();
    try (BufferAllocator allocator = new RootAllocator()) {
      Json.Obj details = Json.obj()
          .put("rows_per_stream", rows)
          .put("rows_per_batch", BATCH)
          .put("solstice", "OnlineLogisticRegression(" + OPTIONS.updater() + ", per row), "
              + "Solstice.run(model).train(Flux.fromIterable(batches)).block(), default settings")
          .put("moa", "MOA 2024.07.0 classifiers, default options; per row correctlyClassifies "
              + "then trainOnInstance")
          .put("generators", "not timed: both sides' rows are generated into memory first");
      try (SameRows sea = SameRows.of("SEA", new SEAGenerator(), SeaGenerator.of(1, 1), rows, allocator)) {
        Versus sgd = versusMoa(config, sea, SGD::new);
        Versus naiveBayes = versusMoa(config, sea, NaiveBayes::new);
        Versus hoeffdingTree = versusMoa(config, sea, HoeffdingTree::new);
        Json.Obj fixedCost = engineVersusPlainLoop(config, sea);
        details.put("sea", Json.obj()
                .put("sgd", sgd.toJson())
                .put("naive_bayes", naiveBayes.toJson())
                .put("hoeffding_tree", hoeffdingTree.toJson()))
            .put("engine_vs_plain_loop_sea", fixedCost)
            .put("online_logreg_vs_moa_sgd_sea", sgd.wall.ratio().median())
            .put("online_logreg_vs_moa_sgd_sea_cpu", sgd.cpuRatio.median())
            .put("online_rows_per_s_solstice_sea", sgd.wall.summaryA().median())
            .put("online_rows_per_s_moa_sgd_sea", sgd.wall.summaryB().median())
            .put("online_accuracy_solstice_sea", sgd.accuracySolstice)
            .put("online_accuracy_moa_sgd_sea", sgd.accuracyMoa)
            .put("online_accuracy_gain_vs_moa_sgd_sea", sgd.accuracySolstice - sgd.accuracyMoa)
            .put("engine_cost_us_per_batch_vs_plain_loop", fixedCost.get("engine_cost_us_per_batch"))
            .put("engine_cost_cpu_us_per_batch_vs_plain_loop", fixedCost.get("engine_cost_cpu_us_per_batch"));
      }
      try (SameRows hyperplane = SameRows.of("hyperplane", new moa.streams.generators.HyperplaneGenerator(),
          new HyperplaneGenerator(10, 2, 0, 5, 10, 1), rows, allocator)) {
        Versus sgd = versusMoa(config, hyperplane, SGD::new);
        details.put("hyperplane", Json.obj().put("sgd", sgd.toJson()))
            .put("online_logreg_vs_moa_sgd_hyperplane", sgd.wall.ratio().median())
            .put("online_logreg_vs_moa_sgd_hyperplane_cpu", sgd.cpuRatio.median())
            .put("online_accuracy_solstice_hyperplane", sgd.accuracySolstice)
            .put("online_accuracy_moa_sgd_hyperplane", sgd.accuracyMoa)
            .put("online_accuracy_gain_vs_moa_sgd_hyperplane", sgd.accuracySolstice - sgd.accuracyMoa);
      }
      Summary noOp = noOpSteps(config);
      return details
          .put("no_op_engine_steps_per_s", noOp.toJson())
          .put("engine_fixed_cost_us_per_step", 1e6 / noOp.median());
    }
  }

  /**
   * Solstice's engine run against one MOA learner on the same rows, interleaved: wall-clock rows
   * per second, rows per CPU second of each side's training thread, and both accuracies.
   */
  private static Versus versusMoa(BenchConfig config, SameRows rows,
      Supplier<? extends AbstractClassifier> learner) {
    double[] solsticeAccuracy = new double[1];
    long[] moaCorrect = new long[1];
    TrainingThreadCpu solsticeCpu = new TrainingThreadCpu();
    TrainingThreadCpu moaCpu = new TrainingThreadCpu();
    Interleaved.Comparison wall = Interleaved.compare(config.warmupPairs(), config.pairs(),
        engineRun(rows, solsticeCpu, solsticeAccuracy),
        () -> {
          AbstractClassifier fresh = rows.moa.prepare(learner);
          return moaCpu.throughput(rows.count(), () -> onThreadOf(moaCpu,
              () -> moaCorrect[0] = rows.moa.correctPredictions(fresh))).getAsDouble();
        });
    return new Versus("MOA " + learner.get().getClass().getSimpleName(), wall,
        TrainingThreadCpu.ratio(solsticeCpu, moaCpu, config.pairs()),
        solsticeAccuracy[0], (double) moaCorrect[0] / rows.count());
  }

  /**
   * One comparison with MOA.
   *
   * @param moa the MOA learner
   * @param wall rows per wall-clock second, Solstice (A) and MOA (B)
   * @param cpuRatio Solstice over MOA in rows per CPU second of the training thread, per pair
   * @param accuracySolstice Solstice's prequential accuracy
   * @param accuracyMoa MOA's
   */
  private record Versus(String moa, Interleaved.Comparison wall, Summary cpuRatio,
      double accuracySolstice, double accuracyMoa) {
    Json.Obj toJson() {
      return Json.obj()
          .put("accuracy_solstice", accuracySolstice)
          .put("accuracy_moa", accuracyMoa)
          .put("comparison", wall.toJson("Solstice OnlineLogisticRegression through the engine", moa,
              "rows_per_s"))
          .put("training_thread_cpu_ratio", cpuRatio.toJson());
    }
  }

  /**
   * Runs the work on a new thread of {@code cpu} and waits: MOA's loop gets a fresh thread per
   * run, as the engine's step does, and its CPU time is measured the same way.
   */
  private static void onThreadOf(TrainingThreadCpu cpu, Runnable work) {
    Thread thread = cpu.newThread(work);
    thread.start();
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while MOA ran", e);
    }
  }

  /**
   * One engine run over fresh handles on the batches (made before the clock starts), its
   * training thread measured by {@code cpu}.
   */
  private static DoubleSupplier engineRun(SameRows rows, TrainingThreadCpu cpu, double[] accuracy) {
    return () -> {
      List<ArrowBatch> handles = new ArrayList<>(rows.batches.size());
      for (ArrowBatch batch : rows.batches) {
        handles.add(batch.retain());
      }
      OnlineLogisticRegression model = new OnlineLogisticRegression(rows.features, 2, OPTIONS);
      ClassificationMetrics[] epoch = {null};
      double throughput = cpu.throughput(rows.count(), () -> Solstice.run(model)
          .train(Flux.fromIterable(handles))
          .stepThreadFactory(cpu)
          .subscribers(event -> {
            if (event instanceof TrainingEvent.EpochEnded<?, ?> end) {
              epoch[0] = (ClassificationMetrics) end.metrics();
            }
          })
          .block()).getAsDouble();
      if (epoch[0].count() != rows.count()) {
        throw new IllegalStateException("the run evaluated " + epoch[0].count() + " rows of " + rows.count());
      }
      accuracy[0] = epoch[0].compute().get("accuracy");
      return throughput;
    };
  }

  /**
   * The same model and batches: the engine run against a plain loop calling {@code trainStep},
   * each on a fresh thread per run (as MOA's loop), interleaved. The engine's cost per batch is
   * the difference of their times per batch, from wall time and from the training thread's CPU
   * time.
   */
  private static Json.Obj engineVersusPlainLoop(BenchConfig config, SameRows rows) {
    TrainingThreadCpu engineCpu = new TrainingThreadCpu();
    TrainingThreadCpu loopCpu = new TrainingThreadCpu();
    Interleaved.Comparison wall = Interleaved.compare(config.warmupPairs(), config.pairs(),
        engineRun(rows, engineCpu, new double[1]),
        () -> {
          OnlineLogisticRegression model = new OnlineLogisticRegression(rows.features, 2, OPTIONS);
          return loopCpu.throughput(rows.count(), () -> onThreadOf(loopCpu, () -> {
            ClassificationMetrics metrics = ClassificationMetrics.empty(2);
            for (ArrowBatch batch : rows.batches) {
              metrics = metrics.merge(model.trainStep(batch).outputs());
            }
            if (metrics.count() != rows.count()) {
              throw new IllegalStateException("the loop evaluated " + metrics.count() + " rows");
            }
          })).getAsDouble();
        });
    double rowsPerBatch = (double) rows.count() / rows.batches.size();
    Summary wallCost = costPerBatch(wall.a(), wall.b(), rowsPerBatch);
    Summary cpuCost = costPerBatch(engineCpu.lastThroughputs(config.pairs()),
        loopCpu.lastThroughputs(config.pairs()), rowsPerBatch);
    return Json.obj()
        .put("comparison", wall.toJson("engine run", "plain loop over trainStep", "rows_per_s"))
        .put("training_thread_cpu_ratio", TrainingThreadCpu.ratio(engineCpu, loopCpu, config.pairs()).toJson())
        .put("engine_cost_us_per_batch_per_pair", wallCost.toJson())
        .put("engine_cost_us_per_batch", wallCost.median())
        .put("engine_cost_cpu_us_per_batch_per_pair", cpuCost.toJson())
        .put("engine_cost_cpu_us_per_batch", cpuCost.median());
  }

  /** Per pair, the time per batch of A minus that of B, in microseconds, from rows per second. */
  private static Summary costPerBatch(double[] a, double[] b, double rowsPerBatch) {
    double[] costs = new double[a.length];
    for (int i = 0; i < costs.length; i++) {
      costs[i] = (1 / a[i] - 1 / b[i]) * rowsPerBatch * 1e6;
    }
    return Summary.of(costs);
  }

  /** Engine runs of a step that does nothing: what the engine costs per step by itself. */
  private static Summary noOpSteps(BenchConfig config) {
    int steps = Math.max(1_000, config.onlineRows() / 50);
    return Interleaved.measure(config.warmupPairs(), config.pairs(), () -> {
      CountedBatch.Census census = new CountedBatch.Census();
      List<CountedBatch> batches = new ArrayList<>(steps);
      for (int i = 0; i < steps; i++) {
        batches.add(new CountedBatch(i, census));
      }
      return Timer.throughput(steps,
          () -> Solstice.run(new SpinExperiment(0)).train(Flux.fromIterable(batches)).block());
    });
  }

  /**
   * One stream's rows twice: as MOA's instances and as Solstice's Arrow batches, checked equal.
   */
  private record SameRows(String name, int features, List<ArrowBatch> batches, MoaPrequential moa)
      implements AutoCloseable {

    static SameRows of(String name, InstanceStream moaStream, RowGenerator generator, int rows,
        BufferAllocator allocator) {
      if (moaStream instanceof moa.options.OptionHandler handler) {
        handler.prepareForUse();
      }
      MoaPrequential moa = MoaPrequential.generate(moaStream, rows);
      int features = generator.features();
      if (rows % GENERATED_ROWS != 0) {
        throw new IllegalArgumentException("rows must be a multiple of " + GENERATED_ROWS + ", was " + rows);
      }
      // Generated in batches of GENERATED_ROWS, cut into BATCH rows each and one last with the rest.
      List<ArrowBatch> batches = DriftingStreams.arrow(() -> generator, GENERATED_ROWS, allocator)
          .take(rows / GENERATED_ROWS)
          .transform(ArrowFlux.rebatch(BATCH, allocator))
          .collectList().block();
      SameRows same = new SameRows(name, features, batches, moa);
      same.checkEqual(rows);
      return same;
    }

    int count() {
      return moa.rows().length;
    }

    /** Fails unless every label and every value (as float) is MOA's. */
    private void checkEqual(int rows) {
      Instance[] instances = moa.rows();
      int r = 0;
      for (ArrowBatch batch : batches) {
        FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector(DriftingStreams.FEATURES);
        Float4Vector values = (Float4Vector) list.getDataVector();
        IntVector labels = (IntVector) batch.root().getVector(DriftingStreams.LABEL);
        for (int i = 0; i < batch.rowCount() && r < rows; i++, r++) {
          Instance moaRow = instances[r];
          boolean equal = labels.get(i) == (int) moaRow.classValue();
          for (int j = 0; j < features; j++) {
            equal &= values.get(i * features + j) == (float) moaRow.value(j);
          }
          if (!equal) {
            throw new IllegalStateException(name + ": row " + r + " differs from MOA's");
          }
        }
      }
      if (r != rows) {
        throw new IllegalStateException(name + ": " + r + " Arrow rows for " + rows + " MOA rows");
      }
    }

    @Override
    public void close() {
      batches.forEach(ArrowBatch::close);
    }
  }
}
