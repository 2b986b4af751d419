package io.solstice.examples.cli;

import io.solstice.examples.observe.Observers;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/** The options that serve a command's runs to Prometheus and to a live dashboard. */
final class ObservabilityOptions {

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve the run's meters in Prometheus text format at http://127.0.0.1:PORT/metrics "
          + "while it runs (0: any free port, printed).")
  Integer metricsPort;

  @Option(names = "--dashboard", paramLabel = "PORT",
      description = "Serve a live dashboard of the run at http://127.0.0.1:PORT/ while it runs "
          + "(0: any free port, printed).")
  Integer dashboardPort;

  /** Refuses a port out of range; commands call it with their other checks, before any work. */
  void check() {
    TrainingCommand.check(metricsPort == null || (metricsPort >= 0 && metricsPort <= 65535),
        "--metrics-port must be a port number (0 for any free one)");
    TrainingCommand.check(dashboardPort == null || (dashboardPort >= 0 && dashboardPort <= 65535),
        "--dashboard must be a port number (0 for any free one)");
  }

  /**
   * Starts what the options ask for.
   *
   * @param run the name of the run in its meters
   * @param out where the addresses are printed
   * @return the observers, to close when the command ends
   */
  Observers start(String run, PrintStream out) {
    check();
    return Observers.start(run, metricsPort, dashboardPort, out);
  }
}
