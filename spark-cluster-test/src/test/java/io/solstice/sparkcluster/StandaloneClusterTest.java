package io.solstice.sparkcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.kafka.testing.KafkaBrokerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code solstice spark-digits} submitted as the Spark application jar to a standalone cluster
 * of separate JVMs (a master and two one-core workers on 127.0.0.1, Spark 4.0.1's own jars):
 * in client and cluster deploy mode, launched directly with {@code --master}, with an executor
 * killed mid-run, and with resources the cluster cannot give; and {@code solstice spark-stream}
 * training from a Kafka broker on it. Every spark-digits run must end with the same parameters
 * as a {@code local[2]} run of the same jar with the same seeds, and no process may outlive the
 * test.
 */
class StandaloneClusterTest {

  private static final Duration RUN_LIMIT = Duration.ofMinutes(5);
  private static final Pattern RESULT_LINE =
      Pattern.compile("^(round \\d+ train: .*|test accuracy .*)$", Pattern.MULTILINE);
  private static final Pattern RUNNING_IN_STAGE_TWO =
      Pattern.compile("Running task (\\d+\\.\\d+) in stage 2\\.0 ");

  private static Path dir;
  private static StandaloneCluster cluster;
  private static Run reference;

  /** What a run printed (its per-round and test lines) and its final parameters. */
  record Run(List<String> results, Map<String, byte[]> parameters) {}

  @BeforeAll
  static void startClusterAndTrainLocally() throws Exception {
    // A new directory per test run: logs stay for reading, checkpoints never carry over.
    dir = Files.createTempDirectory(
        Files.createDirectories(Path.of(System.getProperty("cluster.dir"))), "run-");
    cluster = StandaloneCluster.start(dir);
    Path runDir = dir.resolve("local");
    try (Submission local = Submission.start(cluster, dir.resolve("local.log"),
        options("local[2]", "client"), digits(runDir))) {
      assertThat(local.awaitExit(RUN_LIMIT)).as(local.output()).isZero();
      reference = run(local.output(), runDir);
    }
    assertThat(reference.results()).hasSize(7);
  }

  @AfterAll
  static void stopEverything() {
    if (cluster != null) {
      cluster.close();
      assertThat(cluster.alive()).as("processes left").isEmpty();
    }
  }

  @Test
  void clientModeRunsTasksInTwoExecutorProcessesAndEqualsTheLocalRun() throws Exception {
    Path runDir = dir.resolve("client");
    try (Submission client = Submission.start(cluster, dir.resolve("client.log"),
        options(cluster.masterUrl(), "client"), digits(runDir))) {
      assertThat(client.awaitExit(RUN_LIMIT)).as(client.output()).isZero();

      assertThat(run(client.output(), runDir)).usingRecursiveComparison().isEqualTo(reference);
      assertThat(executorsThatRanTasks(client.appId())).as("executors that ran tasks").hasSize(2);
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
    }
  }

  @Test
  void aDriverLaunchedDirectlyWithTheMasterOptionShipsTheApplicationJar() throws Exception {
    Path runDir = dir.resolve("direct");
    List<String> args = new ArrayList<>(digits(runDir));
    args.addAll(List.of("--master", cluster.masterUrl(),
        "--app-jar", Submission.applicationJar().toString()));
    try (Submission direct = Submission.direct(cluster, dir.resolve("direct.log"),
        List.of("-Dspark.executor.memory=768m", "-Dspark.executorEnv.OMP_NUM_THREADS=1",
            "-Dspark.ui.enabled=false"), args)) {
      assertThat(direct.awaitExit(RUN_LIMIT)).as(direct.output()).isZero();

      assertThat(run(direct.output(), runDir)).usingRecursiveComparison().isEqualTo(reference);
      assertThat(direct.output())
          .containsPattern("Added JAR \\S+/solstice-spark-app.jar at spark://127.0.0.1:");
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
    }
  }

  @Test
  void clusterModeDriverFinishesOnAWorkerAndEqualsTheLocalRun() throws Exception {
    Path runDir = dir.resolve("cluster");
    try (Submission submit = Submission.start(cluster, dir.resolve("cluster.log"),
        options(cluster.masterUrl(), "cluster"), digits(runDir))) {
      assertThat(submit.awaitExit(RUN_LIMIT)).as(submit.output()).isZero();
      String driver = submit.driverId();

      assertThat(cluster.driverState(driver)).isEqualTo("FINISHED");
      String printed = Files.readString(cluster.driverDir(driver).resolve("stdout"));
      assertThat(run(printed, runDir)).usingRecursiveComparison().isEqualTo(reference);
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
    }
  }

  @Test
  void anExecutorKilledMidRunLeavesTheSameResult() throws Exception {
    Path runDir = dir.resolve("killed");
    try (Submission client = Submission.start(cluster, dir.resolve("killed.log"),
        options(cluster.masterUrl(), "client"), digits(runDir))) {
      // An executor runs a task of round 2 (stage 2) that has not finished: kill its JVM.
      Path[] victim = new Path[1];
      await().atMost(RUN_LIMIT).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
          .until(() -> {
            for (Path executor : cluster.executorDirs(client.appId())) {
              if (runningInStageTwo(Files.readString(executor.resolve("stderr")))) {
                victim[0] = executor;
                return true;
              }
            }
            return false;
          });
      String executorId = "--executor-id " + victim[0].getFileName();
      List<ProcessHandle> killed = cluster.executors().stream()
          .filter(p -> p.info().commandLine().orElse("").contains(executorId))
          .collect(Collectors.toList());
      assertThat(killed).hasSize(1);
      killed.get(0).destroyForcibly();

      assertThat(client.awaitExit(RUN_LIMIT)).as(client.output()).isZero();
      // The executor was lost with its task of round 2, which Spark ran again.
      assertThat(client.output()).contains("Lost executor " + victim[0].getFileName())
          .containsPattern("Lost task \\d+\\.0 in stage 2\\.0 .*ExecutorLostFailure");
      assertThat(run(client.output(), runDir)).usingRecursiveComparison().isEqualTo(reference);
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
    }
  }

  @Test
  void moreCpusPerTaskThanAnExecutorHasFailsUpFrontInBothDeployModes() throws Exception {
    List<String> cpus = List.of("--conf", "spark.task.cpus=2");
    try (Submission client = Submission.start(cluster, dir.resolve("cpus-client.log"),
        with(options(cluster.masterUrl(), "client"), cpus), digits(dir.resolve("cpus-client")))) {
      assertThat(client.awaitExit(RUN_LIMIT)).as(client.output()).isNotZero();
      assertThat(client.output()).contains("no task can run: spark.task.cpus=2");
    }
    try (Submission submit = Submission.start(cluster, dir.resolve("cpus-cluster.log"),
        with(options(cluster.masterUrl(), "cluster"), cpus), digits(dir.resolve("cpus-cluster")))) {
      submit.awaitExit(RUN_LIMIT);
      String driver = submit.driverId();
      // Spark's standalone client exits 0 whatever the driver did: its state tells.
      await().atMost(RUN_LIMIT).until(() -> cluster.driverState(driver).equals("FAILED"));
      assertThat(Files.readString(cluster.driverDir(driver).resolve("stderr")))
          .contains("no task can run: spark.task.cpus=2");
    }
    await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
  }

  /**
   * spark-stream on the cluster, reading a real Kafka broker: a query stopped after half of the
   * records and submitted again on the same checkpoints trains each record exactly once (the
   * second submission continues after the first's last applied micro-batch) and ends with the
   * very parameters of one uninterrupted submission over the same micro-batches; tasks run in
   * both executor processes.
   */
  @Test
  void sparkStreamRestartedTrainsEachRecordOnceAndEndsAsAnUninterruptedRun() throws Exception {
    try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
      List<String> common = List.of("spark-stream", "--bootstrap-servers", broker.bootstrapServers(),
          "--topic", "sea", "--topic-partitions", "2", "--max-offsets-per-trigger", "500",
          "--steps-per-round", "5");
      Path restarted = dir.resolve("stream-restarted");
      Map<Long, Long> first = microBatches(stream("stream-first", common,
          "--checkpoints", restarted.toString(), "--produce", "3000", "--records", "1500"));
      long firstRows = rows(first);
      long last = Collections.max(first.keySet());
      assertThat(first.values()).as("rows per micro-batch").allMatch(rows -> rows <= 500);
      // The stop may catch a micro-batch in flight after the 1,500th row: it is printed too,
      // and the second submission must still find rows to train.
      assertThat(firstRows).isBetween(1500L, 2999L);

      String secondOutput = stream("stream-second", common,
          "--checkpoints", restarted.toString(), "--records", String.valueOf(3000 - firstRows));
      assertThat(secondOutput).contains("continuing after micro-batch " + last);
      Map<Long, Long> second = microBatches(secondOutput);
      assertThat(second.keySet()).allMatch(id -> id > last);
      assertThat(rows(second)).isEqualTo(3000 - firstRows);

      Path whole = dir.resolve("stream-whole");
      Map<Long, Long> uninterrupted = microBatches(stream("stream-whole", common,
          "--checkpoints", whole.toString(), "--records", "3000"));
      Map<Long, Long> both = new TreeMap<>(first);
      both.putAll(second);
      assertThat(uninterrupted).as("the same micro-batches").isEqualTo(both);
      assertThat(parameters(restarted.resolve("model"))).as("the model after the restart")
          .usingRecursiveComparison().isEqualTo(parameters(whole.resolve("model")));
    }
  }

  private static long rows(Map<Long, Long> microBatches) {
    return microBatches.values().stream().mapToLong(Long::longValue).sum();
  }

  /** One client-mode submission of spark-stream, Spark's Kafka source shipped with it. */
  private static String stream(String name, List<String> common, String... more)
      throws Exception {
    String kafkaSource = Files.readString(Path.of(System.getProperty("kafka.source.jars.file"))).trim();
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of(more));
    try (Submission client = Submission.start(cluster, dir.resolve(name + ".log"),
        with(options(cluster.masterUrl(), "client"), List.of("--jars", kafkaSource)), args)) {
      assertThat(client.awaitExit(RUN_LIMIT)).as(client.output()).isZero();
      assertThat(executorsThatRanTasks(client.appId())).as("executors that ran tasks").hasSize(2);
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
      return client.output();
    }
  }

  /** Rows per micro-batch id, from spark-stream's lines. */
  private static Map<Long, Long> microBatches(String out) {
    Map<Long, Long> rows = new TreeMap<>();
    Matcher m = Pattern.compile("micro-batch (\\d+): (\\d+) rows").matcher(out);
    while (m.find()) {
      rows.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }
    assertThat(rows).as(out).isNotEmpty();
    return rows;
  }

  /** The executors of an application whose logs show a task they ran. */
  private static List<Path> executorsThatRanTasks(String appId) throws IOException {
    List<Path> ranTasks = new ArrayList<>();
    for (Path executor : cluster.executorDirs(appId)) {
      if (Files.readString(executor.resolve("stderr")).contains("Running task")) {
        ranTasks.add(executor);
      }
    }
    return ranTasks;
  }

  /** Whether an executor's log shows a task of stage 2 started and not yet finished. */
  private static boolean runningInStageTwo(String log) {
    Matcher running = RUNNING_IN_STAGE_TWO.matcher(log);
    return running.find() && !log.contains("Finished task " + running.group(1) + " in stage 2.0");
  }

  /** spark-submit's options for the application jar, as docs/SPARK.md gives them. */
  private static List<String> options(String master, String deployMode) {
    List<String> options = new ArrayList<>(List.of(
        "--master", master,
        "--deploy-mode", deployMode,
        "--class", "io.solstice.examples.SolsticeCli",
        "--conf", "spark.executor.memory=768m",
        "--conf", "spark.executorEnv.OMP_NUM_THREADS=1",
        "--conf", "spark.ui.enabled=false"));
    if (deployMode.equals("cluster")) {
      options.addAll(List.of(
          "--driver-memory", "512m",
          "--conf", "spark.driver.extraJavaOptions=" + Submission.JAVA_OPTIONS,
          "--conf", "spark.standalone.submit.waitAppCompletion=true"));
    }
    return options;
  }

  private static List<String> with(List<String> options, List<String> more) {
    List<String> out = new ArrayList<>(options);
    out.addAll(more);
    return out;
  }

  /** A short spark-digits run: 6 rounds of 5 local steps on 2 partitions. */
  private static List<String> digits(Path runDir) {
    return List.of("spark-digits", "--partitions", "2", "--rounds", "6",
        "--steps-per-round", "5", "--executor-wait", "180",
        "--work-dir", runDir.resolve("shards").toString(),
        "--checkpoints", runDir.resolve("checkpoints").toString());
  }

  private static Run run(String output, Path runDir) throws IOException {
    List<String> results = RESULT_LINE.matcher(output).results()
        .map(m -> m.group(1)).collect(Collectors.toList());
    return new Run(results, parameters(runDir.resolve("checkpoints")));
  }

  /** The arrays ({@code .npy} entries) of the latest checkpoint: the trained state. */
  private static Map<String, byte[]> parameters(Path checkpoints) throws IOException {
    String latest = Files.readString(checkpoints.resolve("latest")).trim();
    Map<String, byte[]> arrays = new TreeMap<>();
    try (ZipFile zip = new ZipFile(checkpoints.resolve(latest).toFile())) {
      for (ZipEntry entry : Collections.list(zip.entries())) {
        if (entry.getName().endsWith(".npy")) {
          arrays.put(entry.getName(), zip.getInputStream(entry).readAllBytes());
        }
      }
    }
    assertThat(arrays).isNotEmpty();
    return arrays;
  }
}
