package io.solstice.sparkcluster;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster of separate JVMs on 127.0.0.1: one master and two workers with one
 * core and 1 GB each, started from a Spark home whose {@code jars/} directory holds Spark
 * 4.0.1's own jars, as an installation does. The workers launch executors (and, in cluster
 * deploy mode, drivers) from that home. {@link #close()} ends every process it or its workers
 * started and waits until none is left.
 */
final class StandaloneCluster implements AutoCloseable {

  static final int WORKERS = 2;

  private final Path home;
  private final Path dir;
  /** The cluster's JVMs' {@code java.io.tmpdir}. */
  private final Path temporaryFiles;
  private final int masterPort;
  private final int masterUiPort;
  private final List<Process> daemons = new ArrayList<>();
  private final List<Path> workerDirs = new ArrayList<>();
  /** Every process seen under a worker: executors and drivers, for the final check. */
  private final Set<ProcessHandle> seen = new HashSet<>();

  private StandaloneCluster(Path dir) throws IOException {
    this.dir = dir;
    this.home = SparkHome.create(dir.resolve("spark-home"));
    this.temporaryFiles = Files.createDirectories(dir.resolve("tmp"));
    int[] ports = freePorts(2);
    this.masterPort = ports[0];
    this.masterUiPort = ports[1];
  }

  /**
   * Starts the master, then (once it serves its state) the workers, and waits until both
   * workers are registered.
   */
  static StandaloneCluster start(Path dir) throws IOException {
    StandaloneCluster cluster = new StandaloneCluster(dir);
    try {
      Process master = cluster.launch("master", "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", String.valueOf(cluster.masterPort),
          "--webui-port", String.valueOf(cluster.masterUiPort));
      cluster.daemons.add(master);
      // A worker that finds no master retries only after 5 to 15 s, and a loaded machine
      // starts the master's JVM slowly: start the workers once the master is ALIVE (its RPC
      // port is bound before its web UI answers). A master that died (a port taken meanwhile)
      // fails here with its log rather than after the wait.
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(IOException.class)
          .until(() -> {
            if (!master.isAlive()) {
              throw new IllegalStateException("the master exited:\n" + new String(
                  Files.readAllBytes(dir.resolve("master.log")), StandardCharsets.UTF_8));
            }
            return "ALIVE".equals(cluster.state().path("status").asText());
          });
      for (int i = 0; i < WORKERS; i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        cluster.workerDirs.add(work);
        cluster.daemons.add(cluster.launch("worker-" + i, "org.apache.spark.deploy.worker.Worker",
            "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
            "--work-dir", work.toString(), cluster.masterUrl()));
      }
      await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> cluster.aliveWorkers() == WORKERS);
      return cluster;
    } catch (IOException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  Path home() {
    return home;
  }

  Path dir() {
    return dir;
  }

  /** The environment every Spark process of this cluster runs with. */
  Map<String, String> environment() {
    return Map.of(
        "SPARK_HOME", home.toString(),
        "SPARK_SCALA_VERSION", "2.13",
        "SPARK_LOCAL_IP", "127.0.0.1",
        "SPARK_LOCAL_HOSTNAME", "127.0.0.1",
        // One BLAS thread per one-core executor, as in the local reference run.
        "OMP_NUM_THREADS", "1",
        // Every JVM of the cluster (the workers pass their environment on to the executors and
        // drivers they start) keeps its temporary files here rather than in the system's: an
        // executor the worker kills leaves lz4-java's extracted library behind. Each JVM prints
        // a "Picked up JAVA_TOOL_OPTIONS" line first.
        "JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + temporaryFiles);
  }

  /** The master's state, as its web UI serves it at {@code /json/}. */
  JsonNode state() throws IOException {
    return new ObjectMapper().readTree(
        URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL());
  }

  private int aliveWorkers() throws IOException {
    int alive = 0;
    for (JsonNode worker : state().path("workers")) {
      if ("ALIVE".equals(worker.path("state").asText())) {
        alive++;
      }
    }
    return alive;
  }

  /** The state of a driver submitted in cluster deploy mode (SUBMITTED ... FINISHED, FAILED). */
  String driverState(String driverId) throws IOException {
    JsonNode state = state();
    for (String list : List.of("activedrivers", "completeddrivers")) {
      for (JsonNode driver : state.path(list)) {
        if (driverId.equals(driver.path("id").asText())) {
          return driver.path("state").asText();
        }
      }
    }
    return "UNKNOWN";
  }

  /** The executor directories ({@code <worker>/<app>/<executor>}) of an application. */
  List<Path> executorDirs(String appId) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path worker : workerDirs) {
      Path app = worker.resolve(appId);
      if (Files.isDirectory(app)) {
        try (Stream<Path> executors = Files.list(app)) {
          executors.filter(Files::isDirectory).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** The directory a worker gave a driver submitted in cluster deploy mode. */
  Path driverDir(String driverId) {
    return workerDirs.stream().map(w -> w.resolve(driverId)).filter(Files::isDirectory)
        .findFirst().orElseThrow(() -> new IllegalStateException("no directory of " + driverId));
  }

  /** The live processes the workers started whose command line contains {@code mainClass}. */
  List<ProcessHandle> workerChildren(String mainClass) {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process daemon : daemons.subList(1, daemons.size())) {
      daemon.descendants().forEach(p -> {
        seen.add(p);
        if (p.info().commandLine().orElse("").contains(mainClass)) {
          out.add(p);
        }
      });
    }
    return out;
  }

  /** The live executor processes. */
  List<ProcessHandle> executors() {
    return workerChildren("CoarseGrainedExecutorBackend");
  }

  /**
   * The live JVMs of one executor of an application (its directory {@code <worker>/<app>/<id>}),
   * found by the arguments the worker starts it with.
   */
  List<ProcessHandle> executorJvms(Path executorDir) {
    String executor = "--executor-id " + executorDir.getFileName() + " ";
    String app = "--app-id " + executorDir.getParent().getFileName() + " ";
    List<ProcessHandle> out = new ArrayList<>();
    for (ProcessHandle p : executors()) {
      String commandLine = p.info().commandLine().orElse("");
      if (commandLine.contains(executor) && commandLine.contains(app)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Every process of the cluster that is still alive (daemons and what they started). */
  List<ProcessHandle> alive() {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process daemon : daemons) {
      daemon.descendants().forEach(seen::add);
      seen.add(daemon.toHandle());
    }
    seen.stream().filter(ProcessHandle::isAlive).forEach(out::add);
    return out;
  }

  /** Stops the workers (they stop their executors), then the master; kills what remains. */
  @Override
  public void close() {
    List<ProcessHandle> all = alive();
    for (int i = daemons.size() - 1; i >= 0; i--) {
      daemons.get(i).destroy();
    }
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> noneAlive(all));
    } catch (RuntimeException e) {
      all.forEach(ProcessHandle::destroyForcibly);
      await().atMost(Duration.ofSeconds(30)).until(() -> noneAlive(all));
    }
  }

  private static boolean noneAlive(List<ProcessHandle> processes) {
    return processes.stream().noneMatch(ProcessHandle::isAlive);
  }

  private Process launch(String name, String mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(SparkHome.java(), "-Xmx256m",
        "-cp", home.resolve("jars") + "/*", mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().putAll(environment());
    return builder.start();
  }

  /**
   * {@code count} distinct free ports: every socket stays bound until all ports are read, since
   * a port closed before the next bind of port 0 may be handed out again.
   */
  private static int[] freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException e) {
          // Closing an unconnected server socket does not fail in practice; nothing to undo.
        }
      }
    }
  }
}
