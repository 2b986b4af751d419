package io.solstice.examples.cli;

import io.solstice.arrow.ArrowDataException;
import io.solstice.arrow.ArrowReadException;
import io.solstice.core.checkpoint.CheckpointException;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.UsageException;
import io.solstice.reactive.NonFiniteException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import reactor.core.Exceptions;

/**
 * What every subcommand shares: its output streams (the command line's, so callers and tests
 * can capture them), how it writes files, and the mapping of errors to exit codes. A data or
 * usage error, a run stopped by NaN or infinity, and an I/O error (a file that cannot be read or
 * written) print one line on stderr and exit with exit code 2 ({@code
 * CommandLine.ExitCode.USAGE}); anything else propagates to picocli, which prints the stack trace
 * and exits with {@code SolsticeCli.EXIT_FAILURE}.
 */
abstract class CommandBase implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  private PrintStream out;
  private OutputFiles output;

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
    } catch (RuntimeException | IOException e) {
      String message = explain(e);
      if (message == null) {
        throw e;
      }
      say(message);
      return CommandLine.ExitCode.USAGE;
    } finally {
      if (out != null) {
        out.flush();
      }
    }
  }

  /**
   * The one line that explains a failure caused by the user or the environment (bad data, a
   * bad option, no checkpoint, a file that cannot be read or written, a read that runs out of
   * memory), or null for anything else.
   */
  private static String explain(Throwable e) {
    for (Throwable t = Exceptions.unwrap(e); t != null; t = t.getCause()) {
      if (t instanceof ArrowDataException || t instanceof ArrowReadException || t instanceof UsageException
          || t instanceof CheckpointException) {
        return t.getMessage();
      }
      if (t instanceof NonFiniteException nonFinite) {
        return explain(nonFinite);
      }
      if (t instanceof UncheckedIOException unchecked) {
        return withCause(unchecked.getMessage(), unchecked.getCause());
      }
      if (t instanceof IOException io) {
        return io instanceof FileSystemException ? "cannot access " + ((FileSystemException) io).getFile() + ": "
            + OutputFiles.reason(io) : io.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /**
   * A run stopped by NaN or infinity, in the options of a command rather than the library's
   * (whose message suggests {@code Run.nonFinite}).
   */
  private static String explain(NonFiniteException e) {
    String where = "non-finite " + e.what() + " in " + e.mode() + " epoch " + e.epoch() + " at " + e.mode().label()
        + " step " + e.globalStep();
    return e.inFeatures() ? where + ": the data holds NaN or infinity; clean it"
        : "training diverged: " + where + "; lower the learning rate (--lr)";
  }

  /** "what failed: why", unless the message already says why. */
  private static String withCause(String message, IOException cause) {
    String reason = OutputFiles.reason(cause);
    return message.contains(reason) ? message : message + ": " + reason;
  }

  /**
   * How this command writes its files: the root command's (see {@link OutputFiles.Source}),
   * else the local file system.
   *
   * @return the output files
   */
  protected OutputFiles output() {
    if (output == null) {
      Object root = spec.root().userObject();
      output = root instanceof OutputFiles.Source source ? source.output() : OutputFiles.LOCAL;
    }
    return output;
  }

  /**
   * Makes this command write through {@code files}, for a command run on behalf of another.
   *
   * @param files the output files
   */
  void writeThrough(OutputFiles files) {
    this.output = files;
  }

  /**
   * Prints a line on stderr, after what standard output holds: "solstice COMMAND: message", the
   * form of every failure's line. A command says a failure itself where it must before it
   * returns (the JVM exits as soon as an {@code Interruption} is closed).
   *
   * @param message what happened
   */
  protected void say(String message) {
    if (out != null) {
      out.flush();
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("solstice " + spec.name() + ": " + message);
    err.flush();
  }

  /**
   * Prints a warning on stderr; the command goes on.
   *
   * @param message what the user should know
   */
  protected void warn(String message) {
    say("warning: " + message);
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
