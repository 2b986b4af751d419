package io.solstice.examples;

import io.solstice.examples.cli.DigitsCommand;
import io.solstice.examples.cli.ResumeCommand;
import io.solstice.examples.cli.StreamCommand;
import io.solstice.examples.cli.TrainCommand;
import io.solstice.examples.spark.SparkDigitsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code solstice} command line: runnable end-to-end jobs on the Solstice engine. Run it
 * through the {@code ./solstice} launcher at the repository root, which builds on first use and
 * sets the JVM flags Arrow needs.
 *
 * <p>Every subcommand is registered in the {@code subcommands} list of this class's
 * {@link Command} annotation, and nowhere else.
 *
 * <p>Exit codes: 0 on success, {@value #EXIT_USAGE} for a usage or data error (one line on
 * stderr says what is wrong), {@value #EXIT_FAILURE} for an unexpected failure.
 */
@Command(
    name = "solstice",
    mixinStandardHelpOptions = true,
    version = "solstice 0.1.0",
    description = "Reactive streaming training on Arrow data: runnable end-to-end jobs.",
    subcommands = {
        DigitsCommand.class,
        TrainCommand.class,
        StreamCommand.class,
        ResumeCommand.class,
        SparkDigitsCommand.class,
    })
public final class SolsticeCli implements Runnable {

  /** Exit code of a usage or data error (also picocli's code for a bad option). */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /** Exit code of an unexpected failure. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  /** Creates the root command. */
  public SolsticeCli() {}

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new SolsticeCli()).execute(args));
  }

  /** Without a subcommand, prints the usage and what to run first. */
  @Override
  public void run() {
    CommandLine cli = spec.commandLine();
    cli.usage(cli.getOut());
    cli.getOut().println();
    cli.getOut().println("Start with: ./solstice digits");
    cli.getOut().flush();
  }
}
