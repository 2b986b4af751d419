package io.solstice.examples.cli;

import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.JobFile;
import java.nio.file.Path;
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
    parsed.parseArgs(job.args().toArray(String[]::new));
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
}
