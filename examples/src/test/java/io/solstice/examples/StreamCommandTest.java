package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.reactive.callbacks.TfRecordReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code solstice stream}: online training over Flight with backpressure and a drift. */
class StreamCommandTest {

  @TempDir Path dir;

  @Test
  void trainsOnlineThroughADriftAndRecoversWhileTheServerStaysBoundedAhead() {
    Cli run = Cli.run("stream", "--steps", "240", "--drift-at", "120", "--print-every", "40", "--features", "5");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("over Arrow Flight at grpc+tcp://127.0.0.1:")
        .contains("cumulative").contains("window").contains("fading")
        .contains("abrupt drift at step 120").contains("Done after 240 steps");
    assertThat(run.out().lines().filter(l -> l.matches("\\s+\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+\\d+ batches")))
        .as("a progress line every 40 steps").hasSize(6);
    Matcher lead = Pattern.compile("at most (\\d+) batches \\((\\d+) KiB\\) ahead").matcher(run.out());
    assertThat(lead.find()).as(run.out()).isTrue();
    // An unpaced generator makes batches far faster than the trainer takes them (240 steps take
    // seconds; it makes thousands of batches a second); backpressure holds the lead to about the
    // 64 KiB send buffer plus gRPC's 1 MiB flow-control window plus a prefetch of 4 batches.
    assertThat(Long.parseLong(lead.group(2))).isBetween(0L, 2048L);
    assertThat(run.out()).containsPattern("Drift at step 120: window accuracy 0\\.9\\d+ before, fell to 0\\.\\d+, "
        + "recovered at step \\d+");
  }

  @Test
  void theMetricsAndDashboardOptionsServeOnLoopbackPortsAndPrintThem() {
    Cli run = Cli.run("stream", "--steps", "30", "--features", "4", "--print-every", "10",
        "--metrics-port", "0", "--dashboard", "0");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("Prometheus metrics at http://127\\.0\\.0\\.1:\\d+/metrics")
        .containsPattern("Dashboard at http://127\\.0\\.0\\.1:\\d+/").contains("Done after 30 steps");
  }

  @Test
  void badPortsAreAUsageError() {
    Cli run = Cli.run("stream", "--metrics-port", "70000");
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly(
        "solstice stream: --metrics-port must be a port number (0 for any free one)");
  }

  @Test
  void aWorkDirectoryThatCannotBeWrittenLeavesNoServerBound() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("a-file"), "");
    int port;
    try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }

    Cli run = Cli.run("stream", "--steps", "10", "--metrics-port", String.valueOf(port), "--work-dir",
        notADirectory.toString());

    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).singleElement().asString().startsWith("solstice stream: cannot write ");
    try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).as("the metrics port is free").isEqualTo(port);
    }
  }

  @Test
  void badStepsAreAUsageError() {
    Cli run = Cli.run("stream", "--steps", "0");
    assertThat(run.exitCode()).isEqualTo(SolsticeCli.EXIT_USAGE);
    assertThat(run.errLines()).containsExactly("solstice stream: --steps must be at least 1");
  }

  @Test
  void withAWorkDirItRecordsTheRunAndWritesItsPrequentialCurvesForTensorBoard() throws IOException {
    Path work = dir.resolve("stream");
    Cli run = Cli.run("stream", "--steps", "60", "--drift-at", "30", "--print-every", "20", "--features", "5",
        "--work-dir", work.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();

    Map<String, Object> record = new ObjectMapper().readValue(work.resolve("run.json").toFile(),
        new TypeReference<LinkedHashMap<String, Object>>() {});
    assertThat(record).containsEntry("command", "stream");
    assertThat(record.get("options")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("--steps", 60).containsEntry("--print-every", 20).containsEntry("--window", 50)
        .containsEntry("--drift-at", 30).containsEntry("--work-dir", work.toString());

    // The prequential accuracies TensorBoard gets are the ones printed (to 4 decimals) at steps 20, 40, 60.
    Map<String, Float> scalars = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(work.resolve("tensorboard").resolve("train"))) {
      for (Path file : files.toList()) {
        for (TfRecordReader.Event event : TfRecordReader.events(file)) {
          event.scalars().forEach(s -> scalars.put(s.tag() + "@" + event.step(), s.value()));
        }
      }
    }
    List<double[]> printed = progress(run.out());
    assertThat(printed).hasSize(3);
    for (double[] line : printed) {
      long step = (long) line[0];
      assertThat(scalars.get("prequential/cumulative/accuracy@" + step)).isCloseTo((float) line[1], within(6e-5f));
      assertThat(scalars.get("prequential/window/accuracy@" + step)).isCloseTo((float) line[2], within(6e-5f));
      assertThat(scalars.get("prequential/fading/accuracy@" + step)).isCloseTo((float) line[3], within(6e-5f));
      assertThat(scalars).containsKey("step/loss@" + step);
    }

    // The record repeats the run: the same accuracies at the same steps.
    Cli again = Cli.run("stream", "--config", work.resolve("run.json").toString(), "--work-dir",
        dir.resolve("again").toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    List<double[]> repeated = progress(again.out());
    assertThat(repeated).hasSameSizeAs(printed);
    for (int i = 0; i < printed.size(); i++) {
      // Steps and the three accuracies; the server's lead (the last column) is a matter of timing.
      assertThat(java.util.Arrays.copyOf(repeated.get(i), 4)).containsExactly(java.util.Arrays.copyOf(printed.get(i), 4));
    }
  }

  @Test
  void aDetectorAndItsResetsAreRecordedAndRepeatedByTheRunsRecord() throws IOException {
    Path work = dir.resolve("reset");
    Cli run = Cli.run("stream", "--model", "logistic", "--steps", "80", "--drift-at", "40", "--print-every", "20",
        "--features", "5", "--window", "10", "--detector", "ddm", "--on-drift", "reset", "--work-dir", work.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Training logistic regression (5 features, 2 classes, AdaGrad 0.1, one update per row);"
        + " ddm watches its per-row errors, on a drift: reset to the model at the start")
        .containsPattern("ddm reported a drift at row \\d+ \\(step \\d+\\): reset to the model at the start")
        .containsPattern("(?m)^  rows\\s+10240$").containsPattern("(?m)^  train steps\\s+80$")
        .containsPattern("(?m)^  drifts detected\\s+[1-9]\\d* by ddm, at rows ")
        .containsPattern("(?m)^  reactions applied\\s+[1-9]\\d* \\(reset to the model at the start\\)$")
        .containsPattern("(?m)^  steps to recover\\s+(\\d+|not yet)$");
    Map<String, Object> record = new ObjectMapper().readValue(work.resolve("run.json").toFile(),
        new TypeReference<LinkedHashMap<String, Object>>() {});
    assertThat(record.get("options")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("--model", "logistic").containsEntry("--detector", "ddm").containsEntry("--on-drift", "reset");
    assertThat(record.get("resolved")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .extractingByKey("model").asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("type", "logistic");

    // Detection and reset are deterministic: the record repeats the run line for line.
    Cli again = Cli.run("stream", "--config", work.resolve("run.json").toString(), "--work-dir",
        dir.resolve("reset-again").toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(drifts(again.out())).isNotEmpty().isEqualTo(drifts(run.out()));
    List<double[]> printed = progress(run.out());
    List<double[]> repeated = progress(again.out());
    assertThat(repeated).hasSameSizeAs(printed);
    for (int i = 0; i < printed.size(); i++) {
      assertThat(java.util.Arrays.copyOf(repeated.get(i), 4)).containsExactly(java.util.Arrays.copyOf(printed.get(i), 4));
    }
  }

  private static List<String> drifts(String out) {
    return out.lines().filter(l -> l.contains("reported a drift")).toList();
  }

  @Test
  void optionsThatDoNotGoTogetherAreUsageErrors() {
    Map<String[], String> errors = new LinkedHashMap<>();
    errors.put(new String[] {"--on-drift", "reset"}, "--on-drift needs a --detector");
    errors.put(new String[] {"--detector", "adwin", "--on-drift", "boost"},
        "--on-drift boost needs --model logistic (the MLP's learning rate is fixed); reset works for both");
    errors.put(new String[] {"--keep-every", "5"}, "--keep-every needs a --detector and --on-drift reset");
    errors.put(new String[] {"--detector", "ddm", "--keep-every", "5"},
        "--keep-every keeps states for --on-drift reset to go back to; give --on-drift reset");
    errors.put(new String[] {"--detector", "ddm", "--on-drift", "reset", "--keep-every", "-1"},
        "--keep-every must be 0 or more");
    errors.put(new String[] {"--detector", "kswin"}, "--detector must be adwin, page-hinkley or ddm, not kswin");
    errors.put(new String[] {"--detector", "ddm", "--on-drift", "retrain"},
        "--on-drift must be reset, boost or alert, not retrain");
    errors.put(new String[] {"--model", "forest"}, "--model must be mlp or logistic, not forest");
    errors.put(new String[] {"--flight", "grpc+tcp://127.0.0.1:1", "--ticket", "t", "--kafka", "127.0.0.1:1",
        "--topic", "t"}, "--flight and --kafka: read one stream at a time");
    errors.put(new String[] {"--flight", "grpc+tcp://127.0.0.1:1"}, "--flight needs the --ticket of the stream to read");
    errors.put(new String[] {"--kafka", "127.0.0.1:1", "--feature-columns", "a,b"}, "--kafka needs the --topic to read");
    errors.put(new String[] {"--topic", "t"}, "--topic and --stop-when-idle go with --kafka");
    errors.put(new String[] {"--token", "t"}, "--ticket and --token go with --flight");
    errors.put(new String[] {"--flight", "grpc+tcp://127.0.0.1:1", "--ticket", "t", "--drift-at", "5"},
        "--drift-at is the synthetic stream's; a --flight or --kafka stream drifts when it drifts");
    errors.put(new String[] {"--drift-at", "-5"}, "--drift-at must be a step, >= 0, got -5");
    errors.put(new String[] {"--boost-factor", "5"}, "--boost-factor and --boost-updates need a --detector and --on-drift boost");
    errors.put(new String[] {"--model", "logistic", "--detector", "ddm", "--on-drift", "reset", "--boost-updates", "9"},
        "--boost-factor and --boost-updates set --on-drift boost; give --on-drift boost");
    errors.put(new String[] {"--group", "mine"}, "--format, --group and --connect-timeout go with --kafka");
    errors.put(new String[] {"--label", "y"},
        "--feature-columns, --label and --classes describe a --flight or --kafka stream; the synthetic one has its own");
    errors.put(new String[] {"--kafka", "127.0.0.1:1", "--topic", "t", "--feature-columns", "a,b", "--features", "3"},
        "--features 3 but 2 --feature-columns");
    errors.put(new String[] {"--kafka", "127.0.0.1:1", "--topic", "t", "--feature-columns", "a,y", "--label", "y"},
        "--label 'y' is also a feature column");
    errors.forEach((args, message) -> {
      String[] command = new String[args.length + 1];
      command[0] = "stream";
      System.arraycopy(args, 0, command, 1, args.length);
      Cli run = Cli.run(command);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(SolsticeCli.EXIT_USAGE);
      assertThat(run.errLines()).as(String.join(" ", args)).containsExactly("solstice stream: " + message);
    });
  }

  /** The progress lines: step, cumulative, window, fading, lead. */
  private static List<double[]> progress(String out) {
    List<double[]> lines = new ArrayList<>();
    out.lines().map(String::trim).filter(l -> l.matches("\\d+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+\\d+ batches"))
        .forEach(l -> {
          String[] cells = l.replace(" batches", "").split("\\s+");
          double[] values = new double[cells.length];
          for (int i = 0; i < cells.length; i++) {
            values[i] = Double.parseDouble(cells[i]);
          }
          lines.add(values);
        });
    return lines;
  }
}
