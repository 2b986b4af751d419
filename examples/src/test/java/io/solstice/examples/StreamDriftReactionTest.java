package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code solstice stream --detector adwin --on-drift ...} on the synthetic rotating hyperplane,
 * whose labels all invert at step 200: reacting to the drift brings the prequential window
 * accuracy back sooner than not reacting. Prints the steps to recover of each reaction (the
 * figures in docs/ONLINE.md).
 */
class StreamDriftReactionTest {
  private static final Pattern RECOVER = Pattern.compile("(?m)^  steps to recover\\s+(\\d+)$");
  private static final Pattern DRIFTS = Pattern.compile("(?m)^  drifts detected\\s+(\\d+) by adwin(?:, at rows ([0-9, .()a-z]+))?$");
  private static final Pattern REACTIONS = Pattern.compile("(?m)^  reactions applied\\s+(\\d+) ");

  /** Steps to recover, drifts and reactions of one run; the first drift must follow the real one. */
  private static long[] run(String model, String onDrift) {
    Cli run = onDrift == null
        ? Cli.run("stream", "--model", model, "--steps", "400", "--drift-at", "200", "--window", "10",
            "--features", "5", "--print-every", "100")
        : Cli.run("stream", "--model", model, "--steps", "400", "--drift-at", "200", "--window", "10",
            "--features", "5", "--print-every", "100", "--detector", "adwin", "--on-drift", onDrift);
    assertThat(run.exitCode()).as(run.err()).isZero();
    Matcher recover = RECOVER.matcher(run.out());
    assertThat(recover.find()).as(run.out()).isTrue();
    long drifts = 0;
    long reactions = 0;
    if (onDrift != null) {
      Matcher detected = DRIFTS.matcher(run.out());
      assertThat(detected.find()).as(run.out()).isTrue();
      drifts = Long.parseLong(detected.group(1));
      assertThat(drifts).as(run.out()).isPositive();
      // 128 rows per batch: the abrupt drift is at row 25,600; no drift is reported before it.
      long first = Long.parseLong(detected.group(2).split(",")[0].trim());
      assertThat(first).as(run.out()).isBetween(200L * 128, 230L * 128);
      Matcher applied = REACTIONS.matcher(run.out());
      assertThat(applied.find()).as(run.out()).isTrue();
      reactions = Long.parseLong(applied.group(1));
      assertThat(reactions).isEqualTo(onDrift.equals("alert") ? 0 : drifts);
    }
    return new long[] {Long.parseLong(recover.group(1)), drifts, reactions};
  }

  @Test
  void resettingOrBoostingTheLogisticRegressionOnADriftRecoversSoonerThanNotReacting() {
    Map<String, long[]> figures = new LinkedHashMap<>();
    figures.put("none", run("logistic", null));
    figures.put("alert", run("logistic", "alert"));
    figures.put("reset", run("logistic", "reset"));
    figures.put("boost", run("logistic", "boost"));
    print("logistic", figures);

    // Alerting changes nothing: it recovers exactly as without a detector.
    assertThat(figures.get("alert")[0]).isEqualTo(figures.get("none")[0]);
    assertThat(figures.get("reset")[0]).isLessThan(figures.get("none")[0]);
    assertThat(figures.get("boost")[0]).isLessThan(figures.get("none")[0]);
  }

  @Test
  void resettingTheMlpOnADriftRecoversSoonerThanNotReacting() {
    Map<String, long[]> figures = new LinkedHashMap<>();
    figures.put("none", run("mlp", null));
    figures.put("reset", run("mlp", "reset"));
    print("mlp", figures);

    assertThat(figures.get("reset")[0]).isLessThan(figures.get("none")[0]);
  }

  private static void print(String model, Map<String, long[]> figures) {
    System.out.printf("stream --model %s, drift at step 200 of 400, window 10 batches of 128 rows, adwin:%n", model);
    System.out.printf("%-8s %16s %8s %10s%n", "reaction", "steps to recover", "drifts", "reactions");
    figures.forEach((name, f) -> System.out.printf("%-8s %16d %8d %10d%n", name, f[0], f[1], f[2]));
  }
}
