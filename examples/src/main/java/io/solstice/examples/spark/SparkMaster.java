package io.solstice.examples.spark;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where a Spark command's tasks run when its driver is launched directly: {@code --master} and,
 * for a cluster master, the application jar shipped to the executors ({@link SparkLaunch} applies
 * them). A mixin of every Spark command, so they take their master the same way.
 */
final class SparkMaster {
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  @Option(names = "--master", defaultValue = "local[2]",
      description = "Spark master URL when this driver is launched directly: local[N],"
          + " spark://host:port, yarn, k8s://... (default: ${DEFAULT-VALUE}). Under spark-submit"
          + " the submitted master wins.")
  String url;

  @Option(names = "--app-jar", paramLabel = "JAR",
      description = "The Spark application jar shipped to the executors of a cluster master when"
          + " this driver is launched directly (default: solstice-spark-app.jar beside this"
          + " program's jar, built by the spark-app Maven profile).")
  Path applicationJar;

  /** Whether --master was on the command line (a submitted master overrides it, with a note). */
  boolean given() {
    return command.commandLine().getParseResult().hasMatchedOption("--master");
  }
}
