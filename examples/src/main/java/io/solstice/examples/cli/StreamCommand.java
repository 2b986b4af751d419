package io.solstice.examples.cli;

import io.solstice.arrow.LabeledSchema;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.RunRecord;
import io.solstice.examples.observe.Observers;
import io.solstice.examples.stream.DriftWatch;
import io.solstice.examples.stream.FlightEndpoint;
import io.solstice.examples.stream.KafkaTopic;
import io.solstice.examples.stream.OnlineRun;
import io.solstice.examples.stream.StreamContract;
import io.solstice.examples.stream.StreamLearner;
import io.solstice.examples.stream.StreamSource;
import io.solstice.examples.stream.SyntheticStream;
import io.solstice.reactive.callbacks.TensorBoardLogger;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code solstice stream}: online, test-then-train learning from an unbounded stream: by default a
 * drifting stream served by an in-process Arrow Flight server on loopback, or a user's Flight
 * endpoint ({@code --flight}) or Kafka topic ({@code --kafka}) whose batches hold the feature and
 * label columns named by {@code --feature-columns} and {@code --label}. A drift detector
 * ({@code --detector}) may watch the model's errors and reset it, raise its learning rate or only
 * report ({@code --on-drift}); a summary table ends the run. Stops after {@code --steps}, at the
 * end of the stream or on Ctrl-C, releasing the source, the stream and all Arrow memory either
 * way. With {@code --work-dir} it records the run ({@code run.json}, which {@code --config} reads
 * back) and writes TensorBoard files of its prequential curves.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = {
        // One string per paragraph: picocli wraps each to the terminal's width.
        "Online training on an unbounded stream: by default a rotating hyperplane with an abrupt drift served over "
            + "Arrow Flight on loopback, or your Flight endpoint (--flight) or Kafka topic (--kafka) whose batches "
            + "hold --feature-columns and an integer --label. Prints prequential accuracy (cumulative, window, "
            + "fading); a drift detector (--detector) may reset the model or boost its learning rate (--on-drift). "
            + "Ends with a summary table. Stops after --steps, at the end of the stream, or on Ctrl-C.",
        ""
    })
public final class StreamCommand extends CommandBase {

  @Mixin ObservabilityOptions observability;

  @Option(names = "--steps", defaultValue = "2000", description = "Train steps before stopping (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--features", paramLabel = "N",
      description = "Features per row: of the synthetic stream, or in a --feature-columns list column "
          + "(default: 10, or the number of --feature-columns when there are several).")
  Integer features;

  @Option(names = "--batch-size", defaultValue = "128",
      description = "Rows per batch of the synthetic stream and of JSON records from Kafka (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--drift-at", description = "Step of the synthetic stream's abrupt drift (default: half of --steps).")
  Long driftAt;

  @Option(names = "--print-every", defaultValue = "100", description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
  int printEvery;

  @Option(names = "--window", defaultValue = "50",
      description = "Batches in the sliding prequential window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the stream and the model (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--model", defaultValue = "mlp", paramLabel = "mlp|logistic",
      description = "The model: an MLP (32 hidden units, Adam, an update per batch) or an online logistic regression "
          + "(AdaGrad, an update per row) (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--flight", paramLabel = "URI",
      description = "Read the stream from this Arrow Flight endpoint (grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT) "
          + "instead of the synthetic one.")
  String flight;

  @Option(names = "--ticket", paramLabel = "TICKET", description = "The ticket of the Flight stream to read (with --flight).")
  String ticket;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "A bearer token for the Flight endpoint (with --flight); use grpc+tls off this machine.")
  String token;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
      description = "Read the stream from Kafka brokers (HOST:PORT[,HOST:PORT...]) instead of the synthetic one.")
  String kafka;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "The Kafka topic to read (with --kafka).")
  String topic;

  @Option(names = "--format", defaultValue = "json", paramLabel = "json|arrow",
      description = "What a Kafka record holds: one row as a JSON object of numeric fields, or one batch as an Arrow "
          + "IPC stream (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--group", defaultValue = "solstice-stream", paramLabel = "GROUP",
      description = "The Kafka consumer group; offsets are committed for the rows trained on, and a group without "
          + "offsets starts at the earliest record (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--stop-when-idle", paramLabel = "SECONDS",
      description = "Stop once no Kafka record came for this long and the topic is read to its end"
          + " (default: read until --steps or Ctrl-C).")
  Double stopWhenIdle;

  @Option(names = "--connect-timeout", defaultValue = "15", paramLabel = "SECONDS",
      description = "How long to look for the Kafka brokers and the topic before giving up (default: ${DEFAULT-VALUE}).")
  double connectTimeout;

  @Option(names = "--feature-columns", split = ",", paramLabel = "COLUMNS",
      description = "The stream's feature columns, comma-separated: numbers, or one fixed-size list of floats "
          + "(default: features; required for JSON records).")
  List<String> featureColumns;

  @Option(names = "--label", defaultValue = "label", paramLabel = "COLUMN",
      description = "The stream's label column, integer classes in [0, --classes) (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(names = "--classes", defaultValue = "2", paramLabel = "N",
      description = "The number of classes of the label (default: ${DEFAULT-VALUE}).")
  int classes;

  @Option(names = "--detector", paramLabel = "adwin|page-hinkley|ddm",
      description = "Watch the model's errors (one per row, predicted before it trains) with this drift detector, "
          + "with its published parameters (default: none).")
  String detector;

  @Option(names = "--on-drift", paramLabel = "reset|boost|alert",
      description = "What a detected drift does: reset the model to its state at the start of the run (a fresh "
          + "model) or to the last one kept (--keep-every), multiply its learning rate by --boost-factor for --boost-updates updates (logistic only), or "
          + "only report it (default: alert).")
  String onDrift;

  @Option(names = "--keep-every", defaultValue = "0", paramLabel = "STEPS",
      description = "With --on-drift reset: keep the model's state every this many steps, so that a reset goes back "
          + "to the last state kept instead of the start (default: ${DEFAULT-VALUE}, only the start).")
  long keepEvery;

  @Option(names = "--boost-factor", defaultValue = "10", paramLabel = "X",
      description = "The learning-rate factor of --on-drift boost (default: ${DEFAULT-VALUE}).")
  double boostFactor;

  @Option(names = "--boost-updates", defaultValue = "2000", paramLabel = "N",
      description = "How many updates (rows, for logistic) a boost lasts (default: ${DEFAULT-VALUE}).")
  long boostUpdates;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Write the run's record (DIR/run.json) and TensorBoard files of its prequential accuracy and loss, "
          + "every --print-every steps (DIR/tensorboard) (default: write nothing).")
  Path workDir;

  @Mixin RunConfig config;

  /** Creates the command. */
  public StreamCommand() {}

  @Override
  protected int execute() throws Exception {
    TrainingCommand.check(steps >= 1, "--steps must be at least 1");
    TrainingCommand.check(batchSize >= 1, "--batch-size must be at least 1");
    TrainingCommand.check(printEvery >= 1, "--print-every must be at least 1");
    TrainingCommand.check(window >= 1, "--window must be at least 1");
    TrainingCommand.check(classes >= 2, "--classes must be at least 2");
    StreamLearner.Kind kind = modelKind();
    DriftWatch watch = driftWatch(kind);
    StreamContract contract = contract();
    OnlineRun.Setup setup = new OnlineRun.Setup(source(contract), contract, kind, watch);
    long drift = synthetic() ? (driftAt != null ? driftAt : steps / 2) : -1;
    // The record first: a work directory that cannot be written then leaves no server bound.
    TensorBoardLogger recorder = workDir == null ? null : recordIn(workDir, drift, kind, contract);
    Observers observers = observability.start(name(), out());
    OnlineRun run = new OnlineRun(
        new OnlineRun.Settings(steps, contract.width(), batchSize, drift, printEvery, window, seed),
        setup, observers, recorder);
    Thread hook = new Thread(() -> {
      try {
        run.cancel(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "solstice-stream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    boolean interrupted;
    try (observers) {
      run.run(out());
      // An interrupt stops the run as Ctrl-C does; it is passed on once the observers have
      // closed, as closing them waits.
      interrupted = Thread.interrupted();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for this run to have released everything.
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private boolean synthetic() {
    return flight == null && kafka == null;
  }

  private StreamLearner.Kind modelKind() {
    return switch (model) {
      case "mlp" -> StreamLearner.Kind.MLP;
      case "logistic" -> StreamLearner.Kind.LOGISTIC;
      default -> throw new UsageException("--model must be mlp or logistic, not " + model);
    };
  }

  private DriftWatch driftWatch(StreamLearner.Kind kind) {
    if (detector == null) {
      TrainingCommand.check(onDrift == null, "--on-drift needs a --detector");
      TrainingCommand.check(keepEvery == 0, "--keep-every needs a --detector and --on-drift reset");
      TrainingCommand.check(!given("--boost-factor", "--boost-updates"),
          "--boost-factor and --boost-updates need a --detector and --on-drift boost");
      return DriftWatch.NONE;
    }
    DriftWatch.Detector chosen = Arrays.stream(DriftWatch.Detector.values())
        .filter(d -> d.option().equals(detector)).findFirst()
        .orElseThrow(() -> new UsageException("--detector must be adwin, page-hinkley or ddm, not " + detector));
    DriftWatch.OnDrift reaction = switch (onDrift == null ? "alert" : onDrift) {
      case "reset" -> DriftWatch.OnDrift.RESET;
      case "boost" -> DriftWatch.OnDrift.BOOST;
      case "alert" -> DriftWatch.OnDrift.ALERT;
      default -> throw new UsageException("--on-drift must be reset, boost or alert, not " + onDrift);
    };
    TrainingCommand.check(reaction != DriftWatch.OnDrift.BOOST || kind == StreamLearner.Kind.LOGISTIC,
        "--on-drift boost needs --model logistic (the MLP's learning rate is fixed); reset works for both");
    TrainingCommand.check(reaction == DriftWatch.OnDrift.BOOST || !given("--boost-factor", "--boost-updates"),
        "--boost-factor and --boost-updates set --on-drift boost; give --on-drift boost");
    TrainingCommand.check(boostFactor > 0, "--boost-factor must be above 0");
    TrainingCommand.check(boostUpdates >= 1, "--boost-updates must be at least 1");
    TrainingCommand.check(keepEvery >= 0, "--keep-every must be 0 or more");
    TrainingCommand.check(keepEvery == 0 || reaction == DriftWatch.OnDrift.RESET,
        "--keep-every keeps states for --on-drift reset to go back to; give --on-drift reset");
    return new DriftWatch(chosen, reaction, boostFactor, boostUpdates, keepEvery);
  }

  /**
   * Whether one of these options was on the command line (a default, or a value a --config
   * record carries, is not a request to check).
   */
  private boolean given(String... options) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    return Arrays.stream(options).anyMatch(parsed::hasMatchedOption);
  }

  /** The columns the stream must hold, checked against the source options. */
  private StreamContract contract() {
    List<String> columns = featureColumns == null ? List.of(LabeledSchema.FEATURES) : featureColumns;
    TrainingCommand.check(columns.stream().noneMatch(String::isBlank), "--feature-columns has an empty name");
    TrainingCommand.check(!columns.contains(label), "--label '" + label + "' is also a feature column");
    int width;
    if (columns.size() > 1) {
      TrainingCommand.check(features == null || features == columns.size(), "--features " + features + " but "
          + columns.size() + " --feature-columns");
      width = columns.size();
    } else {
      width = features == null ? 10 : features;
    }
    if (synthetic()) {
      TrainingCommand.check(featureColumns == null && "label".equals(label) && classes == 2,
          "--feature-columns, --label and --classes describe a --flight or --kafka stream; the synthetic one has its own");
      TrainingCommand.check(width >= 2, "--features must be at least 2");
    }
    TrainingCommand.check(width >= 1, "--features must be at least 1");
    return new StreamContract(columns, label, width, classes);
  }

  /** Opens the source the options name, when the run starts. */
  private java.util.function.Supplier<StreamSource> source(StreamContract contract) {
    TrainingCommand.check(flight == null || kafka == null, "--flight and --kafka: read one stream at a time");
    TrainingCommand.check(flight != null || (ticket == null && token == null), "--ticket and --token go with --flight");
    TrainingCommand.check(kafka != null || (topic == null && stopWhenIdle == null),
        "--topic and --stop-when-idle go with --kafka");
    TrainingCommand.check(kafka != null || !given("--format", "--group", "--connect-timeout"),
        "--format, --group and --connect-timeout go with --kafka");
    TrainingCommand.check(synthetic() || driftAt == null, "--drift-at is the synthetic stream's; "
        + "a --flight or --kafka stream drifts when it drifts");
    TrainingCommand.check(driftAt == null || driftAt >= 0, "--drift-at must be a step, >= 0, got " + driftAt);
    if (flight != null) {
      TrainingCommand.check(ticket != null, "--flight needs the --ticket of the stream to read");
      FlightEndpoint endpoint = new FlightEndpoint(flight, ticket, token);
      return () -> endpoint;
    }
    if (kafka != null) {
      TrainingCommand.check(topic != null, "--kafka needs the --topic to read");
      KafkaTopic.Format recordFormat = switch (format) {
        case "json" -> KafkaTopic.Format.JSON;
        case "arrow" -> KafkaTopic.Format.ARROW;
        default -> throw new UsageException("--format must be json or arrow, not " + format);
      };
      TrainingCommand.check(recordFormat != KafkaTopic.Format.JSON || featureColumns != null,
          "--format json needs --feature-columns: the JSON fields that hold the features");
      TrainingCommand.check(stopWhenIdle == null || stopWhenIdle > 0, "--stop-when-idle must be above 0 seconds");
      TrainingCommand.check(connectTimeout > 0, "--connect-timeout must be above 0 seconds");
      KafkaTopic source = new KafkaTopic(kafka, topic, recordFormat, contract, group, batchSize,
          stopWhenIdle == null ? null : Duration.ofMillis(Math.round(stopWhenIdle * 1000)),
          Duration.ofMillis(Math.round(connectTimeout * 1000)));
      return () -> source;
    }
    return () -> new SyntheticStream(contract.width(), batchSize, driftAt != null ? driftAt : steps / 2, seed);
  }

  /** Writes run.json into the work directory; the TensorBoard logger of the run's tensorboard/. */
  private TensorBoardLogger recordIn(Path dir, long drift, StreamLearner.Kind kind, StreamContract contract)
      throws IOException {
    Map<String, Object> modelRecord = new LinkedHashMap<>();
    Map<String, Object> optimizer = new LinkedHashMap<>();
    if (kind == StreamLearner.Kind.MLP) {
      modelRecord.put("type", "mlp");
      modelRecord.put("inputs", contract.width());
      modelRecord.put("hidden", List.of(StreamLearner.HIDDEN));
      modelRecord.put("classes", contract.classes());
      optimizer.put("name", "Adam");
      optimizer.put("learningRate", StreamLearner.LEARNING_RATE);
    } else {
      modelRecord.put("type", "logistic");
      modelRecord.put("inputs", contract.width());
      modelRecord.put("classes", contract.classes());
      modelRecord.put("updates", "per row");
      optimizer.put("name", "AdaGrad");
      optimizer.put("learningRate", StreamLearner.LOGISTIC_LEARNING_RATE);
    }
    RunRecord record = new RunRecord(name(), RunConfig.options(spec), Map.of())
        .resolved("driftAt", drift).resolved("seed", seed).resolved("model", modelRecord)
        .resolved("optimizer", optimizer);
    output().writeJson(dir.resolve(RunRecord.FILE), record.toJson());
    TensorBoardLogger.deleteEventFiles(dir.resolve("tensorboard"));
    return TensorBoardLogger.to(dir.resolve("tensorboard")).everySteps(printEvery).atEpochEnd(false).build();
  }
}
