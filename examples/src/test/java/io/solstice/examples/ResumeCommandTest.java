package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.examples.job.JobFile;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code solstice resume} continues an interrupted run from its checkpoint. */
class ResumeCommandTest {
  @TempDir Path dir;

  @Test
  void continuesAnInterruptedDigitsRunFromTheStepOfItsLatestCheckpoint() throws IOException {
    Path work = dir.resolve("digits");
    // 30 steps is 9 batches into the second epoch (21 batches per epoch).
    Cli interrupted = Cli.run("digits", "--epochs", "3", "--max-steps", "30", "--work-dir", work.toString());
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();
    assertThat(CheckpointStore.open(work.resolve("checkpoints")).loadLatest().orElseThrow().file().getFileName())
        .hasToString(CheckpointStore.fileName(30));

    Path reportFile = dir.resolve("resumed.json");
    Cli resumed = Cli.run("resume", "--work-dir", work.toString(), "--report", reportFile.toString());

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("Resuming 'digits --epochs 3 --max-steps 30 --work-dir " + work + "'")
        .contains("epoch 1, 9 batches into it, train step 30");
    var report = new ObjectMapper().readTree(reportFile.toFile());
    assertThat(report.get("steps").asLong()).as("the whole run: three epochs of 21 steps").isEqualTo(63);
    assertThat(report.get("epochs").asInt()).isEqualTo(3);
    assertThat(report.get("test").get("accuracy").asDouble()).isGreaterThan(0.8);
    assertThat(CheckpointStore.open(work.resolve("checkpoints")).loadLatest().orElseThrow().manifest().position()
        .trainSteps()).isEqualTo(63);
  }

  @Test
  void aResumedRunWhoseBestEpochCameBeforeTheResumeReportsOnThatEpochsModel() throws IOException {
    // At this learning rate validation loss is best after epoch 4 and worse after 5, 6 and 7.
    String[] job = {"digits", "--epochs", "8", "--lr", "0.03"};
    Path uninterruptedReport = dir.resolve("uninterrupted.json");
    Cli uninterrupted = Cli.run(concat(job, "--work-dir", dir.resolve("whole").toString(),
        "--report", uninterruptedReport.toString()));
    assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();
    assertThat(uninterrupted.out()).contains("best epoch 4)");
    Path work = dir.resolve("interrupted");
    // 126 steps ends epoch 5 before its validation: the resumed run validates it, then trains
    // epochs 6 and 7; none is better than epoch 4.
    Cli interrupted = Cli.run(concat(job, "--max-steps", "126", "--work-dir", work.toString()));
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();

    Path resumedReport = dir.resolve("resumed.json");
    Cli resumed = Cli.run("resume", "--work-dir", work.toString(), "--report", resumedReport.toString());

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("epoch 5, 21 batches into it, train step 126").contains("best epoch 4)");
    JsonNode whole = new ObjectMapper().readTree(uninterruptedReport.toFile());
    JsonNode continued = new ObjectMapper().readTree(resumedReport.toFile());
    assertThat(continued.get("steps").asLong()).isEqualTo(168);
    assertThat(continued.get("test")).as("epoch 4's model, not epoch 7's").isEqualTo(whole.get("test"));
    assertThat(continued.get("confusion_matrix")).isEqualTo(whole.get("confusion_matrix"));
    assertThat(Files.readAllLines(work.resolve("metrics.csv")))
        .as("the metrics of the whole run, continued where the interrupted run left off")
        .isEqualTo(Files.readAllLines(dir.resolve("whole").resolve("metrics.csv")));
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  @Test
  void aRelativeConfigIsReadFromTheDirectoryTheRunWasStartedIn() throws IOException {
    Path first = dir.resolve("first");
    assertThat(Cli.run("digits", "--epochs", "2", "--work-dir", first.toString()).exitCode()).isZero();
    Path startedIn = Files.createDirectories(dir.resolve("started-in"));
    Files.copy(first.resolve("run.json"), startedIn.resolve("config.json"));
    Path work = dir.resolve("second");
    Cli interrupted = Cli.run("digits", "--config", startedIn.resolve("config.json").toString(), "--max-steps", "30",
        "--work-dir", work.toString());
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();
    // The job as a run started in that directory with "--config config.json" leaves it; this
    // process runs elsewhere, where no config.json is.
    Path jobFile = work.resolve("checkpoints").resolve(JobFile.NAME);
    ObjectNode job = (ObjectNode) new ObjectMapper().readTree(jobFile.toFile());
    ArrayNode args = (ArrayNode) job.get("args");
    args.set(1, "config.json");
    job.put("directory", startedIn.toString());
    new ObjectMapper().writeValue(jobFile.toFile(), job);
    assertThat(Path.of("config.json")).doesNotExist();

    Cli resumed = Cli.run("resume", "--work-dir", work.toString());

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("epoch 1, 9 batches into it, train step 30");
  }

  @Test
  void aTableChangedSinceTheRunStartedIsNotResumedOn() throws IOException {
    Path data = dir.resolve("flowers.csv");
    Path work = dir.resolve("work");
    stoppedAfterFiveSteps(data, work);
    String before = new ObjectMapper().readTree(work.resolve("checkpoints/preprocessing.json").toFile())
        .get("data_fingerprint").asText();
    // One value edited in the first row: same size, other bytes.
    long size = Files.size(data);
    List<String> lines = new ArrayList<>(Files.readAllLines(data));
    String[] cells = lines.get(1).split(",");
    cells[0] = cells[0].startsWith("-") ? cells[0].substring(1) + "0" : "-" + cells[0].substring(1);
    lines.set(1, String.join(",", cells));
    Files.write(data, lines);
    assertThat(Files.size(data)).isEqualTo(size);

    Cli resumed = Cli.run("resume", "--work-dir", work.toString());

    assertThat(resumed.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(resumed.errLines()).hasSize(1);
    assertThat(resumed.errLines().get(0)).contains(data + " is not the table this run started on (then " + before
        + ", now files=1 bytes=").contains("restore that table, or start a new run");
  }

  @Test
  void aRunWhoseFeaturesTrainNoLongerChoosesIsNotResumedAndItsRecordIsKept() throws IOException {
    Path data = dir.resolve("flowers.csv");
    Path work = dir.resolve("work");
    stoppedAfterFiveSteps(data, work);
    // As a run started by a version whose default features differed (one that kept row numbers):
    // its record names a feature this version leaves out.
    Path record = work.resolve("checkpoints/preprocessing.json");
    ObjectNode preprocessing = (ObjectNode) new ObjectMapper().readTree(record.toFile());
    ((ArrayNode) preprocessing.get("features")).insert(0, "row");
    Files.writeString(record, preprocessing.toString());

    Cli resumed = Cli.run("resume", "--work-dir", work.toString());

    assertThat(resumed.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(resumed.errLines()).containsExactly("solstice resume: this run was trained on the features [row, x0, x1, "
        + "x2, x3] of " + data.toAbsolutePath() + ", and train now chooses [x0, x1, x2, x3] from it: its checkpoints "
        + "cannot continue with those; start the run again (with --features row,x0,x1,x2,x3 for the same features)");
    // The run's record is as it was: a refused resume does not rewrite it.
    assertThat(Files.readString(record)).isEqualTo(preprocessing.toString());
  }

  @Test
  void aDirectoryWithoutAJobIsOneLineAndExitCode2() {
    Cli run = Cli.run("resume", "--checkpoint-dir", dir.toString());
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.errLines().get(0)).startsWith("solstice resume: no job.json in ");
  }

  @Test
  void continuesAnInterruptedTrainRunFromItsCheckpointDirectory() throws IOException {
    Path data;
    try (BufferAllocator allocator = new RootAllocator()) {
      data = new Tables(allocator).ipcStreamWithVectorFeatures(dir.resolve("flowers.stream"));
    }
    Path checkpoints = dir.resolve("ckpt");
    // 12 batches of 50: 8 train batches per epoch; 5 steps stops inside the first epoch.
    Cli interrupted = Cli.run("train", "--data", data.toString(), "--label", "label", "--batch-size", "50",
        "--epochs", "2", "--max-steps", "5", "--work-dir", dir.resolve("work").toString(),
        "--checkpoint-dir", checkpoints.toString());
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();

    Path reportFile = dir.resolve("resumed.json");
    Cli resumed = Cli.run("resume", "--checkpoint-dir", checkpoints.toString(), "--report", reportFile.toString());

    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("epoch 0, 5 batches into it, train step 5");
    assertThat(new ObjectMapper().readTree(reportFile.toFile()).get("steps").asLong()).isEqualTo(16);
  }

  @Test
  void aSignalStopsTrainAfterTheStepInProgressWithACheckpointThatResumesToTheSameModel() throws Exception {
    // Long enough to be stopped in the middle: 30 epochs of 141 steps.
    StringBuilder csv = new StringBuilder("a,b,c,d,y\n");
    Random random = new Random(7);
    for (int r = 0; r < 30_000; r++) {
      double a = random.nextGaussian();
      double b = random.nextGaussian();
      csv.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%.5f,%s%n", a, b, random.nextGaussian(),
          random.nextGaussian(), a + b > 0 ? "up" : "down"));
    }
    Path data = Files.writeString(dir.resolve("signal.csv"), csv);
    List<String> train = List.of("train", "--data", data.toString(), "--label", "y", "--epochs", "30",
        "--patience", "100");
    Path stopped = dir.resolve("stopped");

    Path log = dir.resolve("child.log");
    Process child = startCli(log, train, "--work-dir", stopped.toString());
    try {
      await().atMost(Duration.ofSeconds(120))
          .until(() -> Files.readString(log).contains("train epoch 1") || !child.isAlive());
      child.destroy(); // SIGTERM: the JVM's shutdown hooks run, as on Ctrl-C
      assertThat(child.waitFor(90, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(child.exitValue()).as(output).isEqualTo(143); // 128 + SIGTERM
    Path checkpoints = stopped.resolve("checkpoints");
    Matcher said = Pattern.compile("Interrupted: stopped at epoch (\\d+), (\\d+) batches into it \\(train step "
        + "(\\d+)\\), with a checkpoint there in " + Pattern.quote(checkpoints.toString()) + "; continue with: "
        + "solstice resume --checkpoint-dir " + Pattern.quote(checkpoints.toString())).matcher(output);
    assertThat(said.find()).as(output).isTrue();
    long step = Long.parseLong(said.group(3));
    assertThat(step).as("stopped before the end").isLessThan(30 * 141);
    assertThat(CheckpointStore.open(checkpoints).loadLatest().orElseThrow().manifest().position().trainSteps())
        .as("the checkpoint of the step the run stopped after").isEqualTo(step);

    Cli resumed = Cli.run("resume", "--checkpoint-dir", checkpoints.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("batches into it, train step " + step);
    List<String> whole = new ArrayList<>(train);
    whole.addAll(List.of("--work-dir", dir.resolve("whole").toString()));
    assertThat(Cli.run(whole.toArray(String[]::new)).exitCode()).isZero();

    Checkpoint afterStop = CheckpointStore.open(checkpoints).loadLatest().orElseThrow();
    Checkpoint uninterrupted = CheckpointStore.open(dir.resolve("whole").resolve("checkpoints")).loadLatest()
        .orElseThrow();
    assertThat(afterStop.manifest().position().trainSteps()).isEqualTo(30 * 141);
    assertThat(uninterrupted.state().asMap().keySet()).isEqualTo(afterStop.state().asMap().keySet());
    uninterrupted.state().asMap().forEach((name, array) -> assertThat(afterStop.state().get(name).data().asBytes())
        .as(name).isEqualTo(array.data().asBytes()));
  }

  /** Writes the flowers table as CSV and starts a {@code train} run on it that stops after five steps. */
  private static void stoppedAfterFiveSteps(Path data, Path work) throws IOException {
    try (BufferAllocator allocator = new RootAllocator()) {
      new Tables(allocator).csv(data);
    }
    Cli interrupted = Cli.run("train", "--data", data.toString(), "--label", "species", "--epochs", "2",
        "--max-steps", "5", "--work-dir", work.toString());
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();
  }

  /**
   * The command line in a JVM of its own, with this JVM's flags and class path, writing to a file:
   * {@link Process#destroy} closes this JVM's ends of a child's pipes, so what the child says after
   * the signal would be lost in a pipe.
   */
  private static Process startCli(Path log, List<String> args, String... more) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!flag.startsWith("-javaagent") && !flag.startsWith("-agentlib")) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), SolsticeCli.class.getName()));
    command.addAll(args);
    command.addAll(List.of(more));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
