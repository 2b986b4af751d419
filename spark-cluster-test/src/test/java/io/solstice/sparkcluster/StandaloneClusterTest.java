package io.solstice.sparkcluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.solstice.kafka.testing.KafkaBrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
  /** The line an executor logs when it starts a task (of a stage's first attempt). */
  private static final Pattern RUNNING_TASK =
      Pattern.compile("Running task (\\d+)\\.(\\d+) in stage (\\d+)\\.0 \\(TID (\\d+)\\)");
  /**
   * The stages whose tasks the kill test may catch: rounds 2 to 5 of spark-digits' 6 (each round
   * is one job of one stage, stage {@code r} for round {@code r}; stage 6 is the evaluation).
   */
  private static final int FIRST_KILL_STAGE = 2;
  private static final int LAST_KILL_STAGE = 5;
  /** How long a frozen executor's last log lines get to pass the worker's pipe to the file. */
  private static final Duration DRAIN = Duration.ofSeconds(1);
  /** The driver's last stdout line, ended (the worker copies the stream in chunks). */
  private static final Pattern TEST_LINE_ENDED =
      Pattern.compile("^test accuracy .*\\n", Pattern.MULTILINE);
  /**
   * spark-submit options that hold the SparkContext until both one-core executors have
   * registered, so that the first job already finds two executors: standalone's default ratio
   * is 0, and it counts registered cores against spark.cores.max (none expected without it). It
   * goes on after 180 s anyway, and the test's assertion on the executors then tells.
   */
  private static final List<String> BOTH_EXECUTORS = List.of(
      "--conf", "spark.cores.max=" + StandaloneCluster.WORKERS,
      "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
      "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=180s");

  private static Path dir;
  private static StandaloneCluster cluster;
  private static Run reference;

  /** What a run printed (its per-round and test lines) and its final parameters. */
  record Run(List<String> results, Map<String, byte[]> parameters) {}

  /** A task (index.attempt, TID) of a stage that an executor's log showed running. */
  record Task(String executorId, String index, int attempt, int stage, String tid) {
    String name() {
      return "task " + index + "." + attempt + " in stage " + stage + ".0 (TID " + tid + ")";
    }
  }

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
        with(options(cluster.masterUrl(), "client"), BOTH_EXECUTORS), digits(runDir))) {
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
      // The worker copies the driver's stdout on a thread it does not wait for before it
      // reports the driver FINISHED: the last line may reach the file a little later.
      Path stdout = cluster.driverDir(driver).resolve("stdout");
      await().atMost(Duration.ofSeconds(30))
          .until(() -> TEST_LINE_ENDED.matcher(text(stdout)).find());
      String printed = text(stdout);
      assertThat(run(printed, runDir)).usingRecursiveComparison().isEqualTo(reference);
      await().atMost(Duration.ofMinutes(1)).until(() -> cluster.executors().isEmpty());
    }
  }

  @Test
  void anExecutorKilledMidRunLeavesTheSameResult() throws Exception {
    Path runDir = dir.resolve("killed");
    try (Submission client = Submission.start(cluster, dir.resolve("killed.log"),
        options(cluster.masterUrl(), "client"), digits(runDir))) {
      Task lost = killAnExecutorMidTask(client);

      assertThat(client.awaitExit(RUN_LIMIT)).as(client.output()).isZero();
      // The executor was lost with the very task it was running, which Spark ran again.
      assertThat(client.output())
          .contains("Lost executor " + lost.executorId() + " on ")
          .contains("Lost " + lost.name() + " (127.0.0.1 executor " + lost.executorId()
              + "): ExecutorLostFailure")
          .contains("Starting task " + lost.index() + "." + (lost.attempt() + 1) + " in stage "
              + lost.stage() + ".0 ");
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

  /**
   * Kills the JVM of an executor while its log shows a task of rounds 2 to 5 running, and
   * returns that task. A task takes well under a second, and the executor's log reaches its
   * file through the worker's pipe, so a task seen running may have ended by the time of a
   * kill: the executor is frozen first (SIGSTOP), its log read again once the pipe has drained,
   * and it is killed (SIGKILL also ends a stopped process) only if the task still has not
   * ended; an executor logs a task's end before it sends the result to the driver, so such a
   * task is lost with it. Otherwise the executor resumes (SIGCONT) and a later task is tried.
   * Fails at once when spark-submit has ended without a task caught.
   */
  private static Task killAnExecutorMidTask(Submission client) throws Exception {
    List<String> ended = new ArrayList<>();
    Map<Path, ProcessHandle> jvms = new HashMap<>();
    long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
    while (true) {
      if (!client.running()) {
        throw new AssertionError("spark-submit ended before a task of stages " + FIRST_KILL_STAGE
            + " to " + LAST_KILL_STAGE + " was caught running (ended before the freeze: "
            + ended + "):\n" + client.output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no task of stages " + FIRST_KILL_STAGE + " to "
            + LAST_KILL_STAGE + " caught running within " + RUN_LIMIT + ":\n" + client.output());
      }
      Optional<String> appId = client.registeredAppId();
      List<Path> executors =
          appId.isPresent() ? cluster.executorDirs(appId.get()) : List.of();
      for (Path executor : executors) {
        // Looked up ahead of time: a freeze should follow the sight of a task at once.
        if (!jvms.containsKey(executor)) {
          List<ProcessHandle> found = cluster.executorJvms(executor);
          assertThat(found).as("JVMs of executor " + executor).hasSizeLessThanOrEqualTo(1);
          found.forEach(jvm -> jvms.put(executor, jvm));
        }
        ProcessHandle jvm = jvms.get(executor);
        Optional<Task> running = runningTask(executor, ended);
        if (jvm != null && running.isPresent()) {
          if (killIfStillRunning(executor, jvm, running.get())) {
            return running.get();
          }
          ended.add(running.get().name());
        }
      }
      Thread.sleep(20);
    }
  }

  /** A task of the kill stages that the executor's log shows started and not ended. */
  private static Optional<Task> runningTask(Path executor, List<String> skipped) {
    String log = text(executor.resolve("stderr"));
    Matcher m = RUNNING_TASK.matcher(log);
    while (m.find()) {
      Task task = new Task(executor.getFileName().toString(), m.group(1),
          Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), m.group(4));
      if (task.stage() >= FIRST_KILL_STAGE && task.stage() <= LAST_KILL_STAGE
          && !skipped.contains(task.name()) && !ended(log, task)) {
        return Optional.of(task);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether an executor's log shows a task ended: any line after its start that names its TID
   * ("Finished task ...", and the lines of a failed or killed task) comes at or after its end.
   */
  private static boolean ended(String log, Task task) {
    String started = "Running " + task.name();
    int start = log.indexOf(started);
    return start >= 0
        && log.indexOf("(TID " + task.tid() + ")", start + started.length()) >= 0;
  }

  /** Freezes the executor, and kills it if its task still has not ended; else resumes it. */
  private static boolean killIfStillRunning(Path executor, ProcessHandle jvm, Task task)
      throws Exception {
    if (!signal("STOP", jvm)) {
      return false;
    }
    boolean killed = false;
    try {
      Thread.sleep(DRAIN.toMillis());
      if (!ended(text(executor.resolve("stderr")), task)) {
        killed = jvm.destroyForcibly();
        assertThat(killed).as("SIGKILL to executor " + task.executorId()).isTrue();
      }
      return killed;
    } finally {
      if (!killed) {
        assertThat(signal("CONT", jvm) || !jvm.isAlive())
            .as("executor " + task.executorId() + " resumed").isTrue();
      }
    }
  }

  /** Sends a signal with kill(1); false when it failed (the process is gone). */
  private static boolean signal(String name, ProcessHandle process)
      throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return kill.waitFor() == 0;
  }

  /** A file's text so far, decoded leniently (a poll may catch a character half written). */
  private static String text(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One client-mode submission of spark-stream, Spark's Kafka source shipped with it. */
  private static String stream(String name, List<String> common, String... more)
      throws Exception {
    String kafkaSource = Files.readString(Path.of(System.getProperty("kafka.source.jars.file"))).trim();
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of(more));
    List<String> submitOptions = with(options(cluster.masterUrl(), "client"), BOTH_EXECUTORS);
    try (Submission client = Submission.start(cluster, dir.resolve(name + ".log"),
        with(submitOptions, List.of("--jars", kafkaSource)), args)) {
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
