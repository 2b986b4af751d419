package io.solstice.spark.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Checks, before the first round, that the cluster can run a task at all. Spark itself never
 * says so: a job whose tasks need more cores ({@code spark.task.cpus}) than any executor has, or
 * an application whose executors no worker can host ({@code spark.executor.memory} or cores
 * above what is free), waits forever with a log line now and then. This check turns both into
 * an error that names the settings.
 *
 * <p>It reads the registered executors from the driver's status store, the only place Spark
 * keeps an executor's core count on the driver before a task runs ({@code statusStore} is
 * {@code private[spark]} in Scala and public to Java; the cluster integration test covers it
 * for the pinned Spark 4.0 line). Local masters are skipped (Spark rejects a {@code
 * spark.task.cpus} above {@code local[N]} itself), and so is dynamic allocation, where executors
 * start only once tasks wait.
 */
public final class ExecutorCapacity {

  /** Time left for more capable executors once every registered one is too small. */
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final long POLL_MILLIS = 200;

  private ExecutorCapacity() {}

  /**
   * Returns once an executor with at least {@code spark.task.cpus} cores has registered.
   *
   * @param spark the application's context
   * @param wait how long to wait for executors to register
   * @throws IllegalStateException naming the unmet settings when none can run a task in time
   * @throws InterruptedException when interrupted while waiting
   */
  public static void await(SparkContext spark, Duration wait) throws InterruptedException {
    SparkConf conf = spark.getConf();
    if (spark.isLocal() || conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      return;
    }
    int taskCpus = conf.getInt("spark.task.cpus", 1);
    long deadline = System.nanoTime() + wait.toNanos();
    long tooSmallSince = 0;
    while (true) {
      List<ExecutorSummary> executors = executors(spark);
      if (executors.stream().anyMatch(e -> e.totalCores() >= taskCpus)) {
        return;
      }
      long now = System.nanoTime();
      if (executors.isEmpty()) {
        tooSmallSince = 0;
      } else if (tooSmallSince == 0) {
        tooSmallSince = now;
      } else if (now - tooSmallSince > GRACE.toNanos()) {
        throw new IllegalStateException(tooFewCores(taskCpus, executors));
      }
      if (now > deadline) {
        throw new IllegalStateException(executors.isEmpty()
            ? noExecutor(conf, wait, spark.master())
            : tooFewCores(taskCpus, executors));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static List<ExecutorSummary> executors(SparkContext spark) {
    List<ExecutorSummary> out = new ArrayList<>();
    for (ExecutorSummary executor
        : CollectionConverters.asJava(spark.statusStore().executorList(true))) {
      if (!"driver".equals(executor.id())) {
        out.add(executor);
      }
    }
    return out;
  }

  private static String tooFewCores(int taskCpus, List<ExecutorSummary> executors) {
    int most = executors.stream().mapToInt(ExecutorSummary::totalCores).max().orElse(0);
    return String.format(Locale.ROOT,
        "no task can run: spark.task.cpus=%d but the %d registered executor(s) have at most %d"
            + " core(s). Lower spark.task.cpus, or give each executor at least %d cores"
            + " (spark.executor.cores, and workers with that many free cores).",
        taskCpus, executors.size(), most, taskCpus);
  }

  private static String noExecutor(SparkConf conf, Duration wait, String master) {
    return String.format(Locale.ROOT,
        "no executor registered with %s within %d s: the cluster cannot host one with"
            + " spark.executor.memory=%s, spark.executor.cores=%s (spark.task.cpus=%s)."
            + " Check the free memory and cores of the workers (the master's web UI), lower"
            + " those settings, or wait longer for a busy cluster.",
        master, wait.toSeconds(), conf.get("spark.executor.memory", "1g"),
        conf.get("spark.executor.cores", "all of a worker's"),
        conf.get("spark.task.cpus", "1"));
  }
}
