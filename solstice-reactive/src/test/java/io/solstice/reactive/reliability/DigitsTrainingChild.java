package io.solstice.reactive.reliability;

import java.nio.file.Path;

/** The child JVM of the crash-safety test: trains (resuming if it can) and prints progress. */
public final class DigitsTrainingChild {

  private DigitsTrainingChild() {}

  /**
   * Runs {@link DigitsTraining#run} on the checkpoint directory {@code args[0]}.
   *
   * @param args the checkpoint directory
   */
  public static void main(String[] args) {
    DigitsTraining.run(Path.of(args[0]), System.out);
    System.out.println("done");
    System.out.flush();
    System.exit(0);
  }
}
