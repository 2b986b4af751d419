package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.metrics.MeanMetric;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress bar on a terminal, in plain logs, with known, learnt and unknown lengths. */
class ProgressBarTest {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final AtomicLong now = new AtomicLong();

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** One epoch of {@code steps} steps of 100 ms each, loss falling from 1. */
  private void epoch(ProgressBar<Object, Object, MeanMetric> bar, int epoch, int steps) {
    bar.onEpochStart(null, epoch, Mode.TRAIN);
    for (int i = 0; i < steps; i++) {
      now.addAndGet(Duration.ofMillis(100).toNanos());
      bar.onStepEnd(MeanMetric.of("loss", 1.0 / (i + 1)), null, i, Mode.TRAIN, null);
    }
    bar.onEpochEnd(null, epoch, Mode.TRAIN);
  }

  private ProgressBar.Builder<Object, Object, MeanMetric> plain() {
    return ProgressBar.<Object, Object, MeanMetric>builder()
        .output(out).interactive(false).clock(now::get).refreshEvery(Duration.ofMillis(500));
  }

  @Test
  void plainLinesShowStepsRateEtaAndMetricsWhenTheLengthIsGiven() {
    ProgressBar<Object, Object, MeanMetric> bar = plain().stepsPerEpoch(Mode.TRAIN, 10).build();

    epoch(bar, 0, 10);

    List<String> lines = text().lines().toList();
    assertThat(lines).containsExactly(
        "train epoch 0: 5/10 (50%), 10.0 steps/s, ETA 0:01 | loss=0.2000",
        "train epoch 0: 10/10 (100%), 10.0 steps/s, 0:01 | loss=0.1000");
    assertThat(text()).doesNotContain("\r");
  }

  @Test
  void learnsTheLengthFromThePreviousEpoch() {
    ProgressBar<Object, Object, MeanMetric> bar = plain().build();

    epoch(bar, 0, 6);
    epoch(bar, 1, 6);

    List<String> lines = text().lines().toList();
    assertThat(lines.get(0)).startsWith("train epoch 0: 5 steps, 10.0 steps/s |").doesNotContain("ETA");
    assertThat(lines).contains("train epoch 1: 5/6 (83%), 10.0 steps/s, ETA 0:00 | loss=0.2000");
  }

  @Test
  void anUnboundedStreamShowsStepsAndRateWithoutEta() {
    ProgressBar<Object, Object, MeanMetric> bar = plain().build();

    bar.onEpochStart(null, 0, Mode.TRAIN);
    for (int i = 0; i < 20; i++) {
      now.addAndGet(Duration.ofMillis(50).toNanos());
      bar.onStepEnd(MeanMetric.of("loss", 0.5), null, i, Mode.TRAIN, null);
    }

    assertThat(text().lines()).containsExactly(
        "train epoch 0: 10 steps, 20.0 steps/s | loss=0.5000",
        "train epoch 0: 20 steps, 20.0 steps/s | loss=0.5000");
  }

  @Test
  void onATerminalOneLineIsRedrawnInPlace() {
    ProgressBar<Object, Object, MeanMetric> bar = ProgressBar.<Object, Object, MeanMetric>builder()
        .output(out).interactive(true).clock(now::get).stepsPerEpoch(Mode.TRAIN, 4)
        .refreshEvery(Duration.ofMillis(100)).build();

    epoch(bar, 0, 4);

    String text = text();
    assertThat(text).startsWith("\rtrain epoch 0 [######..................] 1/4 (25%)");
    assertThat(text.chars().filter(c -> c == '\r').count()).as("3 redraws + the final one").isEqualTo(4);
    assertThat(text.chars().filter(c -> c == '\n').count()).as("one line, ended at epoch end").isEqualTo(1);
    assertThat(text).contains("[########################] 4/4 (100%)").endsWith(System.lineSeparator());
  }
}
