package io.solstice.examples.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A picocli argument group: where a training run keeps its files. {@code digits} and {@code
 * train} take either or both options ({@code @ArgGroup(exclusive = false)}); {@code resume}
 * takes exactly one, to find the run ({@code @ArgGroup(multiplicity = "1")}). Either way the
 * checkpoints are in {@code --checkpoint-dir}, else in {@code <work-dir>/checkpoints}.
 */
public final class RunDirectories {

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "The run's work directory: metrics.csv, curves.png, the data files digits writes and, unless "
          + "--checkpoint-dir is given, the checkpoints in DIR/checkpoints (default: runs/digits or runs/train).")
  Path workDir;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR",
      description = "The run's checkpoints, job.json and preprocessing.json (default: <work-dir>/checkpoints).")
  Path checkpointDir;

  /** Creates the group; picocli sets its options. */
  public RunDirectories() {}

  /**
   * The work directory: the given one, else {@code fallback}.
   *
   * @param directories the parsed group, or null when neither option was given
   * @param fallback the command's default work directory, or null for none
   * @return the work directory
   */
  static Path workDir(RunDirectories directories, Path fallback) {
    return directories == null || directories.workDir == null ? fallback : directories.workDir;
  }

  /**
   * The checkpoint directory: the given one, else {@code <work-dir>/checkpoints}.
   *
   * @param directories the parsed group, or null when neither option was given
   * @param workDir the work directory in effect
   * @return the checkpoint directory
   */
  static Path checkpointDir(RunDirectories directories, Path workDir) {
    return directories == null || directories.checkpointDir == null ? workDir.resolve("checkpoints")
        : directories.checkpointDir;
  }
}
