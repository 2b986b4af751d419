package io.solstice.examples.cli;

import io.solstice.examples.job.JobFile;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  @ArgGroup(multiplicity = "1")
  Where where;

  /** Where the run to continue is: one of the two options. */
  static final class Where {
    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "The run's checkpoint directory.")
    Path checkpointDir;

    @Option(names = "--work-dir", paramLabel = "DIR",
        description = "The run's work directory (its checkpoints are in DIR/checkpoints).")
    Path workDir;
  }

  @Option(names = "--max-steps", defaultValue = "0",
      description = "Stop again after this many train steps of the whole run (default: no limit).")
  long maxSteps;

  @Option(names = "--report", paramLabel = "FILE",
      description = "Write the test metrics and run summary as JSON (default: where the run would have).")
  Path report;

  /** Creates the command. */
  public ResumeCommand() {}

  @Override
  protected int execute() throws Exception {
    Path dir = where.checkpointDir != null ? where.checkpointDir : where.workDir.resolve("checkpoints");
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
    command.maxSteps = maxSteps;
    if (report != null) {
      command.report = report.toAbsolutePath();
    }
    out().printf(Locale.ROOT, "Resuming '%s %s'%n", job.command(), String.join(" ", job.args()));
    out().flush();
    return command.run(true);
  }
}
