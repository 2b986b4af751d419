package io.solstice.examples.cli;

import io.solstice.examples.job.RunRecord;
import io.solstice.examples.observe.Observers;
import io.solstice.examples.stream.OnlineRun;
import io.solstice.reactive.callbacks.TensorBoardLogger;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code solstice stream}: online, test-then-train learning from an unbounded drifting stream
 * served by an in-process Arrow Flight server on loopback. Stops after {@code --steps} or on
 * Ctrl-C, releasing the server, the stream and all Arrow memory either way.
 * With {@code --work-dir} it records the run ({@code run.json}, which {@code --config} reads
 * back) and writes TensorBoard files of its prequential curves.
 */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = {
        "Online training on an unbounded, drifting stream (a rotating hyperplane with an abrupt drift)",
        "served over Arrow Flight on loopback; prints prequential accuracy (cumulative, window, fading)",
        "and how far the server runs ahead of the trainer. Stops after --steps or Ctrl-C."
    })
public final class StreamCommand extends CommandBase {

  @Mixin ObservabilityOptions observability;

  @Option(names = "--steps", defaultValue = "2000", description = "Train steps before stopping (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--features", defaultValue = "10", description = "Features per row (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(names = "--batch-size", defaultValue = "128", description = "Rows per batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--drift-at", description = "Step of the abrupt drift (default: half of --steps).")
  Long driftAt;

  @Option(names = "--print-every", defaultValue = "100", description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
  int printEvery;

  @Option(names = "--window", defaultValue = "50",
      description = "Batches in the sliding prequential window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--seed", defaultValue = "42", description = "Seed of the stream and the model (default: ${DEFAULT-VALUE}).")
  long seed;

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
    TrainingCommand.check(features >= 2, "--features must be at least 2");
    TrainingCommand.check(batchSize >= 1, "--batch-size must be at least 1");
    TrainingCommand.check(printEvery >= 1, "--print-every must be at least 1");
    TrainingCommand.check(window >= 1, "--window must be at least 1");
    long drift = driftAt != null ? driftAt : steps / 2;
    Observers observers = observability.start(name(), out());
    OnlineRun run = new OnlineRun(new OnlineRun.Settings(steps, features, batchSize, drift, printEvery, window, seed),
        observers, workDir == null ? null : recordIn(workDir, drift));
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

  /** Writes run.json into the work directory; the TensorBoard logger of the run's tensorboard/. */
  private TensorBoardLogger recordIn(Path dir, long drift) throws IOException {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "mlp");
    model.put("inputs", features);
    model.put("hidden", List.of(OnlineRun.HIDDEN));
    model.put("classes", 2);
    Map<String, Object> optimizer = new LinkedHashMap<>();
    optimizer.put("name", "Adam");
    optimizer.put("learningRate", OnlineRun.LEARNING_RATE);
    RunRecord record = new RunRecord(name(), RunConfig.options(spec), Map.of())
        .resolved("driftAt", drift).resolved("seed", seed).resolved("model", model).resolved("optimizer", optimizer);
    output().writeJson(dir.resolve(RunRecord.FILE), record.toJson());
    TensorBoardLogger.deleteEventFiles(dir.resolve("tensorboard"));
    return TensorBoardLogger.to(dir.resolve("tensorboard")).everySteps(printEvery).atEpochEnd(false).build();
  }
}
