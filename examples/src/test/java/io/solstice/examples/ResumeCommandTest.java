package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.examples.job.JobFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    Path data;
    try (BufferAllocator allocator = new RootAllocator()) {
      data = new Tables(allocator).csv(dir.resolve("flowers.csv"));
    }
    Path work = dir.resolve("work");
    Cli interrupted = Cli.run("train", "--data", data.toString(), "--label", "species", "--epochs", "2",
        "--max-steps", "5", "--work-dir", work.toString());
    assertThat(interrupted.exitCode()).as(interrupted.err()).isZero();
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
}
