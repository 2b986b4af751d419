package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.JobFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code solstice resume}: continues a {@code digits} or {@code train} run from the latest
 * checkpoint in its checkpoint directory, rebuilding the job from the {@code job.json} the run
 * left there. The resumed run continues the epoch and step numbering, the optimizer state and
 * the early-stopping state of the interrupted one.
 */
@Command(
    name = "resume",
    mixinStandardHelpOptions = true,
    description = "Continue a 'digits' or 'train' run from the latest checkpoint in its checkpoint directory.")
public final class ResumeCommand extends CommandBase {

  /** Where the run to continue is: one of the two options. */
  @ArgGroup(multiplicity = "1")
  RunDirectories where;

  @Mixin JobOptions jobOptions;

  /** Creates the command. */
  public ResumeCommand() {}

  @Override
  protected int execute() throws Exception {
    Path dir = RunDirectories.checkpointDir(where, RunDirectories.workDir(where, null));
    JobFile job = JobFile.read(dir);
    TrainingCommand command = switch (job.command()) {
      case "digits" -> new DigitsCommand();
      case "train" -> new TrainCommand();
      default -> throw new UsageException("cannot resume a '" + job.command() + "' run");
    };
    CommandLine parsed = new CommandLine(command);
    parsed.setOut(spec.commandLine().getOut());
    parsed.setErr(spec.commandLine().getErr());
    parsed.parseArgs(configResolved(job.args(), job.directory()));
    command.base = job.directory();
    command.writeThrough(output());
    command.jobOptions.maxSteps = jobOptions.maxSteps;
    if (jobOptions.report != null) {
      command.jobOptions.report = jobOptions.report.toAbsolutePath();
    }
    out().printf(Locale.ROOT, "Resuming '%s %s'%n", job.command(), String.join(" ", job.args()));
    out().flush();
    return command.run(true);
  }

  /**
   * The job's arguments with a relative {@code --config} path made absolute against the
   * directory the job was started in, as every other path of the job is read: the file is read
   * while the arguments are parsed, before the command knows that directory.
   */
  private static String[] configResolved(List<String> args, Path directory) {
    String[] resolved = args.toArray(String[]::new);
    for (int i = 0; i < resolved.length; i++) {
      if (resolved[i].equals("--config") && i + 1 < resolved.length) {
        resolved[i + 1] = directory.resolve(resolved[i + 1]).toString();
      } else if (resolved[i].startsWith("--config=")) {
        resolved[i] = "--config=" + directory.resolve(resolved[i].substring("--config=".length()));
      }
    }
    return resolved;
  }
}
