package io.solstice.reactive.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.testing.Concurrently;
import io.solstice.core.testing.DigitsModels;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.ProfilingCallback;
import io.solstice.reactive.concurrency.ConcurrentRuns.RunRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training runs at once in one JVM end exactly where each ends alone (see
 * {@link ConcurrentRuns}); the DL4J kind is in solstice-dl4j's {@code Dl4jConcurrencyTest}.
 */
class ConcurrentRunsTest {

  @TempDir Path dir;

  @Test
  void sixMlpRunsWithDropoutAtOnceEqualTheirLoneTwins() {
    // Seeds 0 to 5: 0 is the builder's default, which ND4J's own generator does not honour.
    ConcurrentRuns.assertRunsAtOnceEqualTheirLoneTwins(dir, "mlp", 0, DigitsModels::mlpWithDropout);
  }

  @Test
  void sixSameDiffRunsAtOnceEqualTheirLoneTwins() {
    ConcurrentRuns.assertRunsAtOnceEqualTheirLoneTwins(dir, "samediff", 0, DigitsModels::sameDiff);
  }

  /**
   * ND4J's op profiling is process-wide: it times and counts the ops of every thread. Turned on
   * for some steps of one run, it changes no number of a run beside it, nor of its own.
   */
  @Test
  void opProfilingInOneRunChangesNothingInARunBesideIt() {
    List<RunRecord> alone = Concurrently.oneAtATime(2, i -> profiledOrNot(i, "alone"));
    List<RunRecord> together = Concurrently.allAtOnce(2, i -> profiledOrNot(i, "together"));

    assertThat(together.get(1)).as("the run beside the profiled one").isEqualTo(alone.get(1));
    assertThat(together.get(0)).as("the profiled run").isEqualTo(alone.get(0));
  }

  /** Run 0 profiles ND4J ops in four train steps; run 1 does not. */
  private RunRecord profiledOrNot(int run, String label) {
    List<TrainingSubscriber<Object, Object>> extra = new ArrayList<>();
    if (run == 0) {
      extra.add(ProfilingCallback.builder()
          .profileOps(2L, 3L, 4L, 15L).report(timings -> { }).build());
    }
    return ConcurrentRuns.record(
        DigitsModels.mlpWithDropout(run), dir.resolve("profiling-" + label + "-" + run), extra);
  }
}
