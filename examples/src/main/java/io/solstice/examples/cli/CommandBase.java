package io.solstice.examples.cli;

import io.solstice.arrow.ArrowDataException;
import io.solstice.core.checkpoint.CheckpointException;
import io.solstice.examples.SolsticeCli;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import reactor.core.Exceptions;

/**
 * What every subcommand shares: its output streams (the command line's, so callers and tests
 * can capture them) and the mapping of errors to exit codes. A data or usage error prints one
 * line on stderr and exits with {@link SolsticeCli#EXIT_USAGE}; anything else propagates to
 * picocli, which prints the stack trace and exits with {@link SolsticeCli#EXIT_FAILURE}.
 */
abstract class CommandBase implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintStream out;

  /**
   * Runs the command.
   *
   * @return the exit code
   * @throws Exception on an unexpected failure
   */
  protected abstract int execute() throws Exception;

  @Override
  public final Integer call() throws Exception {
    try {
      return execute();
    } catch (RuntimeException e) {
      Throwable cause = userError(e);
      if (cause == null) {
        throw e;
      }
      PrintWriter err = spec.commandLine().getErr();
      err.println("solstice " + spec.name() + ": " + cause.getMessage());
      err.flush();
      return SolsticeCli.EXIT_USAGE;
    } finally {
      if (out != null) {
        out.flush();
      }
    }
  }

  /** The user's mistake behind a failure (bad data, bad option, no checkpoint), or null. */
  private static Throwable userError(Throwable e) {
    for (Throwable t = Exceptions.unwrap(e); t != null; t = t.getCause()) {
      if (t instanceof ArrowDataException || t instanceof UsageException
          || t instanceof CheckpointException) {
        return t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * Standard output as a stream (what progress bars need), writing through to the command
   * line's writer.
   *
   * @return the stream
   */
  protected PrintStream out() {
    if (out == null) {
      out = WriterStream.printStream(spec.commandLine().getOut());
    }
    return out;
  }

  /**
   * The command's name as typed.
   *
   * @return the name
   */
  protected String name() {
    return spec.name();
  }
}
