package io.solstice.sparkcluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A Spark home laid out like an installation: {@code jars/} links to Spark 4.0.1's jars as
 * Maven resolved them for this module (the file named by the {@code spark.classpath.file}
 * system property), which is where Spark's launcher looks for the class path of the executors
 * and drivers a worker starts.
 */
final class SparkHome {
  private SparkHome() {}

  static Path create(Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    String classpath = Files.readString(Path.of(System.getProperty("spark.classpath.file"))).trim();
    for (String entry : classpath.split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      Path link = jars.resolve(jar.getFileName());
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        Files.createSymbolicLink(link, jar);
      }
    }
    return home;
  }

  /** The java launcher of the JVM running the tests. */
  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
