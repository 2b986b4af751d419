package io.solstice.examples.cli;

import io.solstice.examples.observe.Observers;
import io.solstice.examples.stream.OnlineRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code solstice stream}: online, test-then-train learning from an unbounded drifting stream
 * served by an in-process Arrow Flight server on loopback. Stops after {@code --steps} or on
 * Ctrl-C, releasing the server, the stream and all Arrow memory either way.
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
    OnlineRun run = new OnlineRun(
        new OnlineRun.Settings(steps, features, batchSize, drift, printEvery, window, seed), observers);
    Thread hook = new Thread(() -> {
      try {
        run.cancel(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "solstice-stream-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (observers) {
      run.run(out());
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for this run to have released everything.
      }
    }
    return 0;
  }
}
