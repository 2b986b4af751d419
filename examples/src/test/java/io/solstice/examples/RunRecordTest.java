package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.reactive.callbacks.TfRecordReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run records and TensorBoard files of {@code solstice digits}: {@code run.json} holds every
 * option and what it resolved to, {@code --config run.json} repeats the run bitwise, every
 * checkpoint manifest carries the record and the latest merged metrics, and the TensorBoard
 * scalars equal the CSV's.
 */
class RunRecordTest {

  @TempDir Path dir;

  private static final String[] SMALL = {"--epochs", "2", "--hidden", "16,8", "--lr", "1e-2", "--seed", "5"};

  @Test
  void aRunRepeatedFromItsRunJsonWritesBitwiseIdenticalCheckpointArrays() throws IOException {
    Path first = dir.resolve("first");
    Cli original = digits(first, SMALL);
    assertThat(original.exitCode()).as(original.err()).isZero();
    Path runJson = first.resolve("run.json");
    Map<String, Object> record = json(runJson);

    // A second run from nothing but the record, elsewhere.
    Path second = dir.resolve("second");
    Cli repeated = digits(second, "--config", runJson.toString());
    assertThat(repeated.exitCode()).as(repeated.err()).isZero();

    assertThat(checkpointArrays(second)).isNotEmpty().isEqualTo(checkpointArrays(first));
    Map<String, Object> secondOptions = options(json(second.resolve("run.json")));
    Map<String, Object> firstOptions = options(record);
    assertThat(secondOptions.remove("--work-dir")).isEqualTo(second.toString());
    assertThat(firstOptions.remove("--work-dir")).isEqualTo(first.toString());
    assertThat(secondOptions).isEqualTo(firstOptions);

    // The command line wins over the record: another seed, other weights.
    Path third = dir.resolve("third");
    Cli reseeded = digits(third, "--config", runJson.toString(), "--seed", "6");
    assertThat(reseeded.exitCode()).as(reseeded.err()).isZero();
    assertThat(options(json(third.resolve("run.json")))).containsEntry("--seed", 6).containsEntry("--epochs", "2");
    assertThat(checkpointArrays(third)).isNotEqualTo(checkpointArrays(first));
  }

  @Test
  void theRecordHoldsEveryOptionTheResolvedSettingsAndIsInEveryManifestWithTheLatestMetrics() throws IOException {
    Path work = dir.resolve("digits");
    Cli run = digits(work, SMALL);
    assertThat(run.exitCode()).as(run.err()).isZero();

    Map<String, Object> record = json(work.resolve("run.json"));
    assertThat(record).containsEntry("format", "solstice-run").containsEntry("command", "digits");
    assertThat((String) record.get("libraryVersion")).isNotBlank().isNotEqualTo("unknown");
    assertThat(options(record)).containsOnlyKeys("--work-dir", "--checkpoint-dir", "--hidden", "--test-fraction",
            "--val-fraction", "--epochs", "--batch-size", "--learning-rate", "--patience", "--weight-decay", "--seed",
            "--max-steps", "--report", "--metrics-port", "--dashboard")
        .containsEntry("--epochs", "2").containsEntry("--batch-size", "64").containsEntry("--learning-rate", "1e-2")
        .containsEntry("--hidden", List.of(16, 8)).containsEntry("--seed", 5).containsEntry("--test-fraction", 0.2)
        .containsEntry("--report", null);
    @SuppressWarnings("unchecked")
    Map<String, Object> resolved = (Map<String, Object>) record.get("resolved");
    assertThat(resolved).containsEntry("epochs", 2).containsEntry("batchSize", 64).containsEntry("learningRate", 0.01)
        .containsEntry("seed", 5)
        .containsEntry("optimizer", Map.of("name", "Adam", "learningRate", 0.01, "weightDecay", 0.0));
    assertThat(resolved.get("model")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("type", "mlp").containsEntry("inputs", 64).containsEntry("hidden", List.of(16, 8))
        .containsEntry("task", "classification");

    // Every checkpoint carries the record; the end one the last epoch's train and val metrics.
    CheckpointStore store = CheckpointStore.open(work.resolve("checkpoints"));
    assertThat(store.list()).isNotEmpty();
    for (Path checkpoint : store.list()) {
      assertThat(CheckpointStore.readManifest(checkpoint).run()).isEqualTo(record);
    }
    CheckpointManifest last = store.loadLatest().orElseThrow().manifest();
    Map<String, Double> lastEpoch = new LinkedHashMap<>();
    for (Map<String, String> row : csv(work.resolve("metrics.csv"))) {
      if (row.get("kind").equals("epoch") && row.get("epoch").equals("1")) {
        row.forEach((key, value) -> {
          if (!List.of("mode", "epoch", "kind", "step", "train_step", "steps").contains(key) && !value.isEmpty()) {
            lastEpoch.put(row.get("mode") + "/" + key, Double.parseDouble(value));
          }
        });
      }
    }
    assertThat(lastEpoch).containsKeys("train/loss", "val/loss", "val/accuracy");
    assertThat(last.metrics()).isEqualTo(lastEpoch);
  }

  @Test
  void tensorBoardFilesNextToTheCsvHoldItsEpochValuesAndEveryStep() throws IOException {
    Path work = dir.resolve("digits");
    Cli run = digits(work, SMALL);
    assertThat(run.exitCode()).as(run.err()).isZero();

    Map<String, Float> epochScalars = new TreeMap<>();
    long trainSteps = 0;
    for (String mode : List.of("train", "validation", "test")) {
      List<Path> files = eventFiles(work.resolve("tensorboard").resolve(mode));
      assertThat(files).as(mode).hasSize(1);
      List<TfRecordReader.Event> events = TfRecordReader.events(files.get(0));
      assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
      for (TfRecordReader.Event event : events) {
        for (TfRecordReader.Scalar scalar : event.scalars()) {
          if (scalar.tag().startsWith("epoch/") && !mode.equals("test")) {
            epochScalars.put(mode + " " + event.step() + " " + scalar.tag().substring(6), scalar.value());
          } else if (mode.equals("train") && scalar.tag().equals("step/loss")) {
            trainSteps++;
          }
        }
      }
    }
    Map<String, Float> fromCsv = new TreeMap<>();
    for (Map<String, String> row : csv(work.resolve("metrics.csv"))) {
      String mode = row.get("mode").equals("val") ? "validation" : row.get("mode");
      row.forEach((key, value) -> {
        if (!List.of("mode", "epoch", "kind", "step", "train_step", "steps").contains(key) && !value.isEmpty()) {
          fromCsv.put(mode + " " + row.get("epoch") + " " + key, (float) Double.parseDouble(value));
        }
      });
    }
    assertThat(fromCsv).containsKey("validation 1 accuracy");
    assertThat(epochScalars).isEqualTo(fromCsv);
    assertThat(trainSteps).as("one train step scalar per step: 2 epochs of 21 batches").isEqualTo(42);
  }

  @Test
  void aConfigThatCannotBeReadIsAUsageError() throws IOException {
    Path missing = dir.resolve("missing.json");
    assertRefused(missing, "cannot read --config " + missing + ": no such file or directory");
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"options\": ");
    assertRefused(broken, "--config " + broken + " is not a JSON object");
    Path unknown = Files.writeString(dir.resolve("unknown.json"), "{\"--epochs\": 2, \"--learning-rat\": 0.1}");
    assertRefused(unknown, "--config " + unknown + ": 'digits' has no option --learning-rat");
    Path help = Files.writeString(dir.resolve("help.json"), "{\"--help\": true}");
    assertRefused(help, "'digits' has no option --help that a config can set");
  }

  /** A usage error naming the config, before the run has written anything. */
  private void assertRefused(Path config, String message) {
    Path work = dir.resolve("work-" + config.getFileName());
    Cli run = digits(work, "--config", config.toString());
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.err()).contains(message);
    assertThat(work).doesNotExist();
  }

  @Test
  void aConfigWrittenByHandMayUseAnyOfAnOptionsNames() throws IOException {
    Path config = Files.writeString(dir.resolve("short.json"), "{\"--lr\": \"7e-3\", \"--epochs\": \"1\"}");

    Cli run = digits(dir.resolve("short"), "--config", config.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    Map<String, Object> recorded = json(dir.resolve("short").resolve("run.json"));
    assertThat(options(recorded)).containsEntry("--learning-rate", "7e-3").containsEntry("--epochs", "1");
  }

  private Cli digits(Path work, String... options) {
    List<String> args = new ArrayList<>(List.of("digits", "--work-dir", work.toString()));
    args.addAll(Arrays.asList(options));
    return Cli.run(args.toArray(String[]::new));
  }

  private static Map<String, Object> json(Path file) throws IOException {
    return new ObjectMapper().readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> options(Map<String, Object> record) {
    return new LinkedHashMap<>((Map<String, Object>) record.get("options"));
  }

  /** Every array entry of every checkpoint of a run, by file and entry name, as raw bytes. */
  private static Map<String, List<Byte>> checkpointArrays(Path work) throws IOException {
    Map<String, List<Byte>> arrays = new TreeMap<>();
    for (Path checkpoint : CheckpointStore.open(work.resolve("checkpoints")).list()) {
      try (ZipFile zip = new ZipFile(checkpoint.toFile())) {
        for (ZipEntry entry : Collections.list(zip.entries())) {
          if (!entry.getName().equals(CheckpointManifest.ENTRY_NAME)) {
            byte[] bytes = zip.getInputStream(entry).readAllBytes();
            List<Byte> boxed = new ArrayList<>(bytes.length);
            for (byte b : bytes) {
              boxed.add(b);
            }
            arrays.put(checkpoint.getFileName() + "/" + entry.getName(), boxed);
          }
        }
      }
    }
    return arrays;
  }

  private static List<Map<String, String>> csv(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    String[] header = lines.get(0).split(",", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<Path> eventFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents.")).sorted().toList();
    }
  }
}
