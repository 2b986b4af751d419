package io.solstice.benchmarks.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one benchmark in a fresh JVM with this JVM's flags, class path and environment, and
 * returns its report.
 *
 * <p>Why: benchmarks that ran earlier in the same process leave garbage, compiled code and
 * native allocator state behind. Measured on the 2-core machine, the Arrow ingest ran at 0.71-0.77
 * of memcpy after the training benchmarks and at 0.85 on its own; a JVM per benchmark (as JMH
 * forks one per benchmark) makes each number independent of the order.
 */
public final class ChildJvm {

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} with the given arguments in a child JVM.
   *
   * @param mainClass the class whose {@code main} prints one JSON object on stdout
   * @param args its arguments
   * @param progress where the child's stderr lines go
   * @return the parsed JSON object
   * @throws IllegalStateException when the child fails or prints no JSON object
   */
  public static Json.Obj run(Class<?> mainClass, List<String> args, PrintStream progress) {
    return run(mainClass, args, Map.of(), progress);
  }

  /**
   * Runs {@code mainClass} in a child JVM whose environment is this one's with some variables
   * replaced: for settings read once at start-up, such as {@code OMP_NUM_THREADS}.
   *
   * @param mainClass the class whose {@code main} prints one JSON object on stdout
   * @param args its arguments
   * @param environment variables to set (or replace) in the child's environment
   * @param progress where the child's stderr lines go
   * @return the parsed JSON object
   * @throws IllegalStateException when the child fails or prints no JSON object
   */
  public static Json.Obj run(Class<?> mainClass, List<String> args, Map<String, String> environment,
      PrintStream progress) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      builder.environment().putAll(environment);
      Process child = builder.start();
      Thread relay = new Thread(() -> relay(child, progress), "child-stderr");
      relay.setDaemon(true);
      relay.start();
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = child.waitFor();
      relay.join(5_000);
      if (exit != 0) {
        throw new IllegalStateException("the benchmark JVM " + args + " exited with " + exit);
      }
      int brace = out.indexOf('{');
      if (brace < 0 || !(Json.read(out.substring(brace)) instanceof Json.Obj report)) {
        throw new IllegalStateException("the benchmark JVM " + args + " printed no JSON object: " + out);
      }
      return report;
    } catch (IOException e) {
      throw new IllegalStateException("could not start a JVM for " + args + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + args, e);
    }
  }

  private static void relay(Process child, PrintStream progress) {
    try (BufferedReader err = new BufferedReader(
        new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line = err.readLine(); line != null; line = err.readLine()) {
        progress.println(line);
      }
    } catch (IOException ignored) {
      // The child is gone; its exit status says whether that matters.
    }
  }
}
