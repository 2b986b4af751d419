package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The root command: help, the list of commands and exit codes. */
class SolsticeCliTest {

  @Test
  void helpListsEveryCommand() {
    Cli run = Cli.run("--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("digits").contains("train").contains("stream").contains("resume");
  }

  @Test
  void everyCommandHasHelpWithItsOptions() {
    assertThat(Cli.run("digits", "--help").out()).contains("--epochs").contains("--work-dir").contains("--report");
    assertThat(Cli.run("train", "--help").out()).contains("--data").contains("--label").contains("--features")
        .contains("--model").contains("--val-fraction").contains("--checkpoint-dir");
    assertThat(Cli.run("stream", "--help").out()).contains("--steps");
    assertThat(Cli.run("resume", "--help").out()).contains("--checkpoint-dir").contains("--work-dir");
  }

  @Test
  void versionIsTheBuildsVersion() {
    Cli run = Cli.run("--version");
    assertThat(run.exitCode()).isZero();
    // The pom passes its own version to the tests; the CLI reads the one the build wrote.
    assertThat(System.getProperty("solstice.project.version")).isNotBlank();
    assertThat(run.out().strip()).isEqualTo("solstice " + System.getProperty("solstice.project.version"));
  }

  @Test
  void anUnknownCommandOrAMissingRequiredOptionIsAUsageError() {
    assertThat(Cli.run("fly").exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    Cli train = Cli.run("train", "--label", "y");
    assertThat(train.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(train.errLines()).containsExactly("solstice train: Missing required option: '--data=PATH'",
        "Try 'solstice train --help' for the options.");
    Cli typo = Cli.run("train", "--data", "t.csv", "--labl", "y");
    assertThat(typo.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(typo.err()).contains("solstice train: Unknown options: '--labl', 'y'").contains("Possible solutions: --label")
        .doesNotContain("Usage:");
    assertThat(Cli.run("resume").exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
  }

  /** Options declared once (StepOptions, JobOptions, RunDirectories) keep each command's names and defaults. */
  @Test
  void sharedOptionsKeepEveryCommandsNamesAndDefaults() {
    assertThat(Cli.run("digits", "--help").out()).contains("Rows per batch (default: 64;")
        .contains("Adam learning rate (default: 3e-3;").contains("--max-steps=STEPS").contains("--checkpoint-dir");
    assertThat(Cli.run("train", "--help").out()).contains("Rows per batch (default: auto;")
        .contains("Adam learning rate (default: auto;").contains("--work-dir=DIR");
    String spark = Cli.run("spark-digits", "--help").out();
    assertThat(spark).contains("--lr, --learning-rate=RATE|auto").contains("Rows per batch (default: 64;")
        .contains("Adam learning rate (default: 0.01;");
    assertThat(Cli.run("resume", "--help").out()).contains("(--work-dir=DIR | --checkpoint-dir=DIR)")
        .contains("--max-steps=STEPS").contains("--report=FILE");

    Cli both = Cli.run("resume", "--work-dir", "a", "--checkpoint-dir", "b");
    assertThat(both.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(both.err()).contains("mutually exclusive");
    Cli badRate = Cli.run("spark-digits", "--learning-rate", "fast");
    assertThat(badRate.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(badRate.err()).contains("--lr must be a number or auto, got fast");
    Cli badBatch = Cli.run("digits", "--batch-size", "0");
    assertThat(badBatch.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(badBatch.errLines()).containsExactly("solstice digits: --batch-size must be at least 1 (or auto), got 0");
  }
}
