package io.solstice.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** A Spark session for tests: a local master on loopback, UI off, few shuffle partitions. */
final class LocalSpark implements AutoCloseable {

  private final SparkSession session;

  private LocalSpark(SparkSession session) {
    this.session = session;
  }

  /**
   * Starts a session.
   *
   * @param master for example {@code local[2]}, or {@code local[2,2]} to retry failed tasks
   * @return the session
   */
  static LocalSpark start(String master) {
    SparkSession session = SparkSession.builder()
        .appName("solstice-spark-test")
        .master(master)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate();
    return new LocalSpark(session);
  }

  SparkSession session() {
    return session;
  }

  JavaSparkContext context() {
    return JavaSparkContext.fromSparkContext(session.sparkContext());
  }

  @Override
  public void close() {
    session.stop();
  }
}
