package io.solstice.examples.spark;

import io.solstice.examples.data.UsageException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * How a Spark command gets its session, whichever way its driver was launched.
 *
 * <ul>
 *   <li><b>Submitted</b> ({@code spark-submit}, or a cluster's driver wrapper): the launcher has
 *       set {@code spark.master}, and the submitted configuration wins over {@code --master}.
 *       The executors get the submitted application jar from Spark.
 *   <li><b>Launched directly</b> ({@code java -jar}, {@code ./solstice}): {@code --master} is
 *       applied, whatever its kind. A {@code local} master runs in this JVM, on loopback. Any
 *       other master gets the Spark application jar ({@value #APPLICATION_JAR}, built by the
 *       {@code spark-app} Maven profile) shipped to its executors through {@code spark.jars},
 *       since they have none of this program's classes.
 * </ul>
 */
final class SparkLaunch {

  /** The shaded application jar (Solstice and its libraries, without Spark's own). */
  static final String APPLICATION_JAR = "solstice-spark-app.jar";

  private SparkLaunch() {}

  /**
   * Starts (or joins) the session.
   *
   * @param appName the application's name
   * @param options the command's {@code --master} and {@code --app-jar}
   * @param err where to say that a submitted master overrides {@code --master}
   * @return the session
   * @throws UsageException when a cluster master is given and there is no application jar
   */
  static SparkSession start(String appName, SparkMaster options, PrintWriter err) {
    String master = options.url;
    boolean masterGiven = options.given();
    Path applicationJar = options.applicationJar;
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    String submitted = System.getProperty("spark.master");
    if (submitted != null) {
      if (masterGiven && !submitted.equals(master)) {
        err.printf("%s: the submitted master %s wins over --master %s%n", appName, submitted,
            master);
        err.flush();
      }
      return builder.getOrCreate();
    }
    builder.master(master);
    if (master.startsWith("local")) {
      builder.config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false");
    } else {
      builder.config("spark.jars", applicationJar(applicationJar, master).toUri().toString());
    }
    return builder.getOrCreate();
  }

  private static Path applicationJar(Path given, String master) {
    Path jar = given != null ? given : besideThisProgram();
    if (!Files.isRegularFile(jar)) {
      throw new UsageException("--master " + master + " runs tasks on executors that need the"
          + " Spark application jar, and " + jar + " does not exist: build it with"
          + " mvn -B -Pspark-app -DskipTests package -pl examples -am, or name it with"
          + " --app-jar (see docs/SPARK.md)");
    }
    return jar.toAbsolutePath().normalize();
  }

  /** The application jar in the directory of this program's jar (or of its classes). */
  private static Path besideThisProgram() {
    try {
      Path self = Path.of(SparkLaunch.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      return self.toAbsolutePath().getParent().resolve(APPLICATION_JAR);
    } catch (URISyntaxException | SecurityException e) {
      return Path.of(APPLICATION_JAR);
    }
  }
}
