package io.solstice.examples;

import io.solstice.core.SolsticeVersion;
import io.solstice.examples.cli.DigitsCommand;
import io.solstice.examples.cli.ExportCommand;
import io.solstice.examples.cli.PredictCommand;
import io.solstice.examples.cli.ResumeCommand;
import io.solstice.examples.cli.StreamCommand;
import io.solstice.examples.cli.TrainCommand;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.spark.SparkDigitsCommand;
import io.solstice.examples.spark.SparkStreamCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Exit codes: 0 on success; {@value #EXIT_USAGE} for a usage error, a data error or an I/O
 * error (a file that cannot be read or written: one line on stderr names the file and the
 * cause, and no partly written output file is left behind); {@value #EXIT_FAILURE} for an
 * unexpected failure (a bug: picocli prints the stack trace).
 */
@Command(
    name = "solstice",
    mixinStandardHelpOptions = true,
    versionProvider = SolsticeCli.Version.class,
    description = "Reactive streaming training on Arrow data: runnable end-to-end jobs.",
    footer = {"", "Exit codes: 0 success; 2 usage, data or I/O error (one line on stderr); 1 unexpected failure."},
    subcommands = {
        DigitsCommand.class,
        TrainCommand.class,
        StreamCommand.class,
        ResumeCommand.class,
        PredictCommand.class,
        ExportCommand.class,
        SparkDigitsCommand.class,
        SparkStreamCommand.class,
    })
public final class SolsticeCli implements Runnable, OutputFiles.Source {

  /** Exit code of a usage, data or I/O error (also picocli's code for a bad option). */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /** Exit code of an unexpected failure. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  private final OutputFiles output;

  /** Creates the root command, writing to the local file system. */
  public SolsticeCli() {
    this(OutputFiles.LOCAL);
  }

  /**
   * Creates the root command writing its files through {@code output} (tests inject failures
   * there).
   *
   * @param output how the subcommands write their files
   */
  public SolsticeCli(OutputFiles output) {
    this.output = output;
  }

  /**
   * How the subcommands write their files.
   *
   * @return the output files
   */
  @Override
  public OutputFiles output() {
    return output;
  }

  /**
   * Runs the command line and exits with its exit code.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine(OutputFiles.LOCAL).execute(args));
  }

  /**
   * The command line, ready to execute.
   *
   * @param output how the subcommands write their files
   * @return the command line
   */
  public static CommandLine commandLine(OutputFiles output) {
    return new CommandLine(new SolsticeCli(output)).setParameterExceptionHandler(SolsticeCli::badParameters);
  }

  /**
   * A bad option or argument: what is wrong, what was probably meant, and where the options are,
   * instead of picocli's whole usage (a hundred lines that push the error off the screen).
   */
  private static int badParameters(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    String name = command.getCommandSpec().qualifiedName();
    PrintWriter err = command.getErr();
    // A misspelt option is what to say first: picocli reports the required option it then misses.
    List<String> unmatched = command.getUnmatchedArguments();
    if (!(e instanceof CommandLine.UnmatchedArgumentException) && !unmatched.isEmpty()) {
      CommandLine.UnmatchedArgumentException unknown =
          new CommandLine.UnmatchedArgumentException(command, new ArrayList<>(unmatched));
      err.println(name + ": " + unknown.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(unknown, err);
    }
    err.println(name + ": " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + name + " --help' for the options.");
    err.flush();
    return EXIT_USAGE;
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

  /** The version the build wrote into solstice-core (the same one checkpoints record). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"solstice " + SolsticeVersion.get()};
    }
  }
}
