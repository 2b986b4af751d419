package io.solstice.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A picocli mixin: the options of a training run that {@code resume} may set again for the run
 * it continues, so {@code digits}, {@code train} and {@code resume} declare them once.
 */
public final class JobOptions {

  @Option(names = "--max-steps", defaultValue = "0", paramLabel = "STEPS",
      description = "Stop once the run has made this many train steps (a resumed run counts the steps before it), "
          + "leaving a checkpoint to resume from (default: no limit).")
  long maxSteps;

  @Option(names = "--report", paramLabel = "FILE",
      description = "Write the test metrics and run summary as JSON (for resume, default: where the run would have).")
  Path report;

  /** Creates the options; picocli sets them. */
  public JobOptions() {}
}
