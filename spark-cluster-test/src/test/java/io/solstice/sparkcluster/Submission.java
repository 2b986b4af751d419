package io.solstice.sparkcluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * One {@code spark-submit} of the Spark application jar, run as its own JVM with Spark's
 * {@code SparkSubmit} main class and the JVM options Spark's {@code spark-submit} script passes
 * on Java 17; the output goes to a log file.
 */
final class Submission implements AutoCloseable {

  /** The options the spark-submit script gives the JVM, and the driver needs for Arrow. */
  static final String JAVA_OPTIONS = JavaModuleOptions.defaultModuleOptions();

  private static final Pattern APP_ID = Pattern.compile("app-\\d{14}-\\d{4}");
  private static final Pattern DRIVER_ID = Pattern.compile("driver-\\d{14}-\\d{4}");

  private final Process process;
  private final Path log;

  private Submission(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code spark-submit <sparkOptions> <application jar> <applicationArgs>}.
   *
   * @param cluster the cluster whose Spark home and environment it uses
   * @param log where its output goes
   * @param sparkOptions spark-submit's options ({@code --master}, {@code --conf} ...)
   * @param applicationArgs the application's arguments
   */
  static Submission start(StandaloneCluster cluster, Path log, List<String> sparkOptions,
      List<String> applicationArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(SparkHome.java(), "-Xmx768m"));
    command.addAll(List.of(JAVA_OPTIONS.split(" ")));
    command.addAll(List.of("-cp", cluster.home().resolve("jars") + "/*",
        "org.apache.spark.deploy.SparkSubmit"));
    command.addAll(sparkOptions);
    command.add(applicationJar().toString());
    command.addAll(applicationArgs);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(cluster.environment());
    return new Submission(builder.start(), log);
  }

  /**
   * Starts the application's driver directly, without spark-submit ({@code java -cp <Spark's
   * jars>:<application jar> io.solstice.examples.SolsticeCli <applicationArgs>}), with Spark
   * settings as system properties.
   */
  static Submission direct(StandaloneCluster cluster, Path log, List<String> sparkProperties,
      List<String> applicationArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(SparkHome.java(), "-Xmx768m"));
    command.addAll(List.of(JAVA_OPTIONS.split(" ")));
    command.addAll(sparkProperties);
    command.addAll(List.of("-cp",
        cluster.home().resolve("jars") + "/*" + File.pathSeparator + applicationJar(),
        "io.solstice.examples.SolsticeCli"));
    command.addAll(applicationArgs);
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(cluster.environment());
    return new Submission(builder.start(), log);
  }

  static Path applicationJar() {
    return Path.of(System.getProperty("solstice.spark.app.jar"));
  }

  /** Waits for spark-submit to end and returns its exit status. */
  int awaitExit(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("spark-submit still running after " + limit + ":\n" + output());
    }
    return process.exitValue();
  }

  /** What it printed so far (decoded leniently: a poll may catch a character half written). */
  String output() {
    try {
      return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The application id the driver registered with the master (client deploy mode). */
  String appId() {
    return first(APP_ID, output());
  }

  /** The application id, once the driver has registered with the master (client deploy mode). */
  Optional<String> registeredAppId() {
    Matcher matcher = APP_ID.matcher(output());
    return matcher.find() ? Optional.of(matcher.group()) : Optional.empty();
  }

  /** Whether spark-submit (or the directly launched driver) is still running. */
  boolean running() {
    return process.isAlive();
  }

  /** The driver id the master gave a cluster-mode submission. */
  String driverId() {
    return first(DRIVER_ID, output());
  }

  static String first(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      throw new AssertionError("no " + pattern + " in:\n" + text);
    }
    return matcher.group();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
