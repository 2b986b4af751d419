package io.solstice.examples.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.solstice.arrow.Split;
import io.solstice.arrow.Standardization;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.io.Json;
import io.solstice.core.metrics.Metrics;
import io.solstice.examples.data.DataFingerprint;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.observe.Observers;
import io.solstice.examples.report.RunReport;
import io.solstice.reactive.Run;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.callbacks.CheckpointCallback;
import io.solstice.reactive.callbacks.CsvLogger;
import io.solstice.reactive.callbacks.Direction;
import io.solstice.reactive.callbacks.EarlyStopping;
import io.solstice.reactive.callbacks.LoggingCallback;
import io.solstice.reactive.callbacks.ProgressBar;
import io.solstice.reactive.callbacks.TensorBoardLogger;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the task's model through the reactive engine on Arrow sources, with a progress bar,
 * logging, early stopping on a validation metric (restoring the best epoch), checkpoints, a
 * metrics CSV and a learning-curve PNG; then evaluates the test split and prints the task's
 * report. The shared body of the {@code digits}, {@code train} and {@code resume} commands.
 *
 * <p>The checkpoint directory keeps the latest checkpoints and the best epoch's (the model the
 * test report evaluates), with the {@link ModelRecord model.json} that says what they are a model
 * of, so that {@link TrainedModel} can apply or export it later.
 */
public final class TrainingJob {
  /** The run record written next to the checkpoints: how the data was split and scaled. */
  public static final String PREPROCESSING = "preprocessing.json";

  /** The checkpoints kept for their validation value: the best epoch's, which the test report evaluates. */
  private static final int KEEP_BEST = 1;

  private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
  private static final String EARLY_STOPPING = "early_stopping";
  /** The TensorBoard log directory in the run directory. */
  public static final String TENSORBOARD = "tensorboard";

  private final JobData data;
  private final JobSettings settings;
  private final Observers observers;

  /**
   * A job.
   *
   * @param data what to train on
   * @param settings how to train and where to write
   */
  public TrainingJob(JobData data, JobSettings settings) {
    this(data, settings, Observers.NONE);
  }

  /**
   * A job whose runs are watched.
   *
   * @param data what to train on
   * @param settings how to train and where to write
   * @param observers the Prometheus endpoint and dashboard its runs feed
   */
  public TrainingJob(JobData data, JobSettings settings, Observers observers) {
    this.data = data;
    this.settings = settings;
    this.observers = observers;
  }

  /**
   * Trains, tests and reports. Ctrl-C or SIGTERM while it trains stops the run after the step in
   * progress, writes its checkpoint there and says how to resume it ({@link RunInterrupt}),
   * instead of losing the epoch in progress.
   *
   * @param out where the progress bar and the report go
   * @return the report (also written to {@link JobSettings#report()} when set), or null when a
   *     signal interrupted the training
   * @throws IOException when an output file cannot be written
   * @throws UsageException when asked to resume and there is no checkpoint
   */
  public RunReport run(PrintStream out) throws IOException {
    long started = System.nanoTime();
    Files.createDirectories(settings.metricsCsv().toAbsolutePath().getParent());
    Files.createDirectories(settings.curvesPng().toAbsolutePath().getParent());
    if (settings.resume()) {
      refuseChangedData();
    }
    if (!data.preprocessing().isEmpty()) {
      settings.output().writeJson(settings.checkpointDir().resolve(PREPROCESSING), data.preprocessing());
    }
    try (RunInterrupt interrupt = RunInterrupt.install()) {
      RunReport report = train(data.task(), out, started, interrupt);
      if (report != null && settings.report() != null) {
        report.write(settings.report(), settings.output());
        out.println("Report written to " + settings.report());
      }
      return report;
    }
  }

  private <E extends Experiment<E, TensorBatch, M> & Checkpointable<E>, M extends Metrics<M>> RunReport train(
      ModelTask<E, M> task, PrintStream out, long started, RunInterrupt interrupt) throws IOException {
    E fresh = task.newModel(data.inputs(), settings.hidden(), settings.learningRate(), settings.weightDecay(),
        settings.seed());
    Map<String, Object> record = record(task).toJson();
    modelRecord(task).write(settings.checkpointDir(), settings.output());
    EarlyStopping early = EarlyStopping.monitor(task.monitor())
        .mode(Mode.VAL)
        .direction(Direction.MIN)
        .patience(settings.patience())
        .restoreBest(true)
        .build();
    if (!settings.resume()) {
      removeEarlierCheckpoints();
      TensorBoardLogger.deleteEventFiles(runDirectory().resolve(TENSORBOARD));
      writeRecord(record);
    }
    TensorBoardLogger tensorBoard = TensorBoardLogger.to(runDirectory().resolve(TENSORBOARD)).everySteps(1).build();
    CheckpointCallback checkpoints = CheckpointCallback.builder(settings.checkpointDir())
        .everyEpochs(1)
        .atEnd(true)
        .keepLast(3)
        // The best epoch's checkpoint stays: it holds the model the test report evaluates (predict uses it).
        .keepBest(KEEP_BEST, task.monitor(), Mode.VAL, Direction.MIN)
        .saveStateOf(EARLY_STOPPING, early)
        .runRecord(record)
        .build();
    Resumed<E> start = checkpoints.resume(fresh);
    if (settings.resume()) {
      if (start.restoredFrom().isEmpty()) {
        throw new UsageException("no complete checkpoint in " + settings.checkpointDir()
            + " to resume from; run the job first");
      }
      RunPosition p = start.position();
      out.printf(Locale.ROOT, "Resuming from %s: epoch %d, %d batches into it, train step %d%n",
          start.checkpoint().file().getFileName(), p.epoch(), p.batchesIntoEpoch(), p.trainSteps());
    }
    RunCounter counter = new RunCounter(start.position().epoch(), start.position().trainSteps());
    SplitSource source = data.source();
    // The train source is opened at the epoch the run starts from: its order changes per epoch.
    Run<E, TensorBatch, M> run = Solstice.run(start.experiment())
        .train(source.open(Split.TRAIN, start.position().epoch()))
        .validate(source.open(Split.VALIDATION, 0))
        .epochs(settings.epochs())
        .resumeFrom(start.position())
        .subscribers(
            counter,
            ProgressBar.builder().output(out).build(),
            LoggingCallback.atEpochEnd().to(new EpochSummaryLog(task.headline())).build(),
            CsvLogger.to(settings.metricsCsv())
                .plotAtEnd(settings.curvesPng())
                .plotKeys(task.headline().subList(0, 2).toArray(String[]::new))
                .build(),
            tensorBoard,
            early,
            checkpoints,
            interrupt);
    if (settings.maxSteps() > 0) {
      run = run.maxSteps(settings.maxSteps());
    }
    // The engine's two call sites of this module's jobs: train, then test the best model.
    E trained = observers.attach(run).block();
    if (interrupt.interrupted()) {
      RunPosition at = interrupt.endedAt();
      out.printf(Locale.ROOT, "%nInterrupted: stopped at epoch %d, %d batches into it (train step %d), with a "
          + "checkpoint there in %s; continue with: solstice resume --checkpoint-dir %s%n", at.epoch(),
          at.batchesIntoEpoch(), at.trainSteps(), settings.checkpointDir(), settings.checkpointDir());
      out.flush(); // the JVM exits as soon as the interrupt is released
      return null;
    }
    early.stopReason().ifPresent(reason -> LOG.info("Early stopping: {}", reason));
    E best = bestOf(trained, early, task.monitor());
    M test = observers.attach(Solstice.run(best).test(source.open(Split.TEST, 0)).subscribers(tensorBoard))
        .metrics().block();
    double wallSeconds = (System.nanoTime() - started) / 1e9;
    long testRows = task.rows(test);
    out.printf(Locale.ROOT, "%n%s report on the %s split (%d row%s, best epoch %d):%n%n",
        task.title(), data.testName(), testRows, testRows == 1 ? "" : "s", early.bestEpoch());
    out.print(task.report(test));
    out.printf(Locale.ROOT, "%nTrained %d epochs, %d steps in %.1f s; curves in %s, metrics in %s, checkpoints in %s%n",
        counter.epochs(), counter.steps(), wallSeconds, settings.curvesPng(), settings.metricsCsv(),
        settings.checkpointDir());
    return new RunReport(test.compute(), task.describe(), task.details(test), data.preprocessing(), counter.epochs(),
        counter.steps(), wallSeconds);
  }

  /**
   * Refuses to resume on a table whose bytes differ from those the run started on: its split,
   * scaling and batches would differ from the ones the checkpoints were trained with. Refuses too
   * when the same table now gives other features, as a later version's choice of default
   * features can: the checkpoints' first layer would not fit.
   */
  private void refuseChangedData() throws IOException {
    Path recorded = settings.checkpointDir().resolve(PREPROCESSING);
    Object now = data.preprocessing().get(DataFingerprint.KEY);
    if (now == null || !Files.isRegularFile(recorded)) {
      return;
    }
    JsonNode started = Json.readTree(Files.readAllBytes(recorded));
    JsonNode before = started.get(DataFingerprint.KEY);
    if (before != null && !before.isNull() && !before.asText().equals(now)) {
      throw new UsageException(data.preprocessing().get("data") + " is not the table this run started on (then "
          + before.asText() + ", now " + now + "): resuming on it would split, scale and batch other rows than "
          + "the checkpoints were trained on; restore that table, or start a new run");
    }
    List<String> featuresBefore = new ArrayList<>();
    started.path("features").forEach(name -> featuresBefore.add(name.asText()));
    Object featuresNow = data.preprocessing().get("features");
    if (!featuresBefore.isEmpty() && featuresNow instanceof List<?> chosen && !featuresBefore.equals(chosen)) {
      throw new UsageException("this run was trained on the features " + featuresBefore + " of "
          + data.preprocessing().get("data") + ", and train now chooses " + chosen + " from it: its checkpoints "
          + "cannot continue with those; start the run again (with --features " + String.join(",", featuresBefore)
          + " for the same features)");
    }
  }

  /**
   * The model of the best epoch: early stopping's snapshot, or, when that epoch ran before this
   * run resumed (a snapshot is kept in memory only), its checkpoint, which {@code keepBest}
   * kept and {@code predict} loads too.
   */
  private <E extends Checkpointable<E>> E bestOf(E trained, EarlyStopping early, String monitor) {
    if (early.bestState().isPresent() || early.bestEpoch() < 0) {
      return early.restoreBest(trained);
    }
    return trained.withState(TrainedModel.bestCheckpoint(settings.checkpointDir(), monitor).state());
  }

  /**
   * What {@code predict} and {@code export} need besides the checkpoint: the model and its
   * layers, the feature columns and their standardization (from the preprocessing record), and
   * the classes or the target.
   */
  private ModelRecord modelRecord(ModelTask<?, ?> task) {
    Map<String, Object> preprocessing = data.preprocessing();
    List<String> features = new ArrayList<>();
    if (preprocessing.get("features") instanceof List<?> columns) {
      columns.forEach(c -> features.add(String.valueOf(c)));
    }
    Map<String, List<String>> categories = new LinkedHashMap<>();
    if (preprocessing.get("categories") instanceof Map<?, ?> found) {
      found.forEach((column, values) -> categories.put(String.valueOf(column),
          ((List<?>) values).stream().map(String::valueOf).toList()));
    }
    List<String> otherCategory = new ArrayList<>();
    if (preprocessing.get("other_category") instanceof List<?> columns) {
      columns.forEach(c -> otherCategory.add(String.valueOf(c)));
    }
    Standardization standardization = null;
    if (preprocessing.get("standardization") instanceof Map<?, ?> scaling) {
      standardization = Standardization.of(doubles(scaling.get("mean")), doubles(scaling.get("scale")));
    }
    double[] fillNulls = preprocessing.get("fill_nulls") instanceof Map<?, ?> fill ? doubles(fill.get("values")) : null;
    CsvReading csv = CsvReading.of(Json.toNode(preprocessing.get("csv")));
    if (task instanceof ClassificationTask classification) {
      return new ModelRecord(ModelRecord.CLASSIFIER, data.inputs(), settings.hidden(), task.monitor(), features,
          categories, otherCategory, standardization, fillNulls, csv, classification.classNames(),
          classification.label());
    }
    return new ModelRecord(ModelRecord.REGRESSOR, data.inputs(), settings.hidden(), task.monitor(), features,
        categories, otherCategory, standardization, fillNulls, csv, List.of(),
        ((RegressionTask) task).target());
  }

  private static double[] doubles(Object list) {
    return ((List<?>) list).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
  }

  private void writeRecord(Map<String, Object> record) {
    Path file = runDirectory().resolve(RunRecord.FILE);
    try {
      settings.output().writeJson(file, record);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The run directory: where metrics.csv, run.json and tensorboard/ go. */
  private Path runDirectory() {
    return settings.metricsCsv().toAbsolutePath().getParent();
  }

  /**
   * The run record: the command's options and what they resolved to, with the model's sizes and
   * its optimizer as this job builds them.
   */
  private RunRecord record(ModelTask<?, ?> task) {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "mlp");
    model.put("inputs", data.inputs());
    model.put("hidden", Arrays.stream(settings.hidden()).boxed().toList());
    model.putAll(task.describe());
    Map<String, Object> optimizer = new LinkedHashMap<>();
    optimizer.put("name", settings.weightDecay() > 0 ? "AdamW" : "Adam");
    optimizer.put("learningRate", settings.learningRate());
    optimizer.put("weightDecay", settings.weightDecay());
    return settings.record()
        .resolved("seed", settings.seed())
        .resolved("model", model)
        .resolved("optimizer", optimizer);
  }

  /** A fresh run starts from nothing: the checkpoints of an earlier run in the same place go. */
  private void removeEarlierCheckpoints() {
    if (!Files.isDirectory(settings.checkpointDir())) {
      return;
    }
    CheckpointStore store = CheckpointStore.open(settings.checkpointDir());
    List<Path> earlier = store.list();
    try {
      // The store keeps the checkpoint the latest pointer names, so the pointer goes first.
      Files.deleteIfExists(settings.checkpointDir().resolve(CheckpointStore.LATEST));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove the checkpoints of an earlier run in " + settings.checkpointDir(), e);
    }
    earlier.forEach(store::delete);
    if (!earlier.isEmpty()) {
      LOG.info("Removed {} checkpoints of an earlier run from {}", earlier.size(), settings.checkpointDir());
    }
  }
}
