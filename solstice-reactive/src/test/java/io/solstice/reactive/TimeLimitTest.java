package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.RunOutcome;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@code maxTime} in virtual time: the run stops at the first step boundary after it. */
class TimeLimitTest {

  private final List<String> log = Recorder.newLog();

  @Test
  void anOnlineRunStopsAtTheFirstStepBoundaryAfterMaxTimeInVirtualTime() {
    Recorder recorder = Recorder.of("a", log);

    StepVerifier.withVirtualTime(() -> Solstice.run(CountingExperiment.fresh())
                .train(Sources.counting(new Ledger(), -1))
                .maxTime(Duration.ofHours(1))
                .callbacks(recorder)
                .steps(), 0)
        .thenRequest(3)
        .expectNextCount(3)
        .thenAwait(Duration.ofMinutes(59))
        .thenRequest(2)
        .expectNextCount(2)
        .thenAwait(Duration.ofMinutes(1))
        .thenRequest(10)
        .verifyComplete();

    assertThat(recorder.outcome()).isEqualTo(RunOutcome.stoppedEarly(null));
    assertThat(log).endsWith("a:onStepEnd(4,TRAIN)", "a:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(STOPPED_EARLY)");
  }

  @Test
  void aTrainingRunTimedByAGivenSchedulerNeverInterruptsTheStepInProgress() {
    VirtualTimeScheduler clock = VirtualTimeScheduler.create();
    // Each step takes ten virtual seconds; the limit falls inside the fourth step.
    CountingExperiment start =
        CountingExperiment.withAction(n -> clock.advanceTimeBy(Duration.ofSeconds(10)));

    CountingExperiment result = Solstice.run(start).train(Sources.counting(new Ledger(), 10))
        .epochs(100).maxTime(Duration.ofSeconds(35)).timer(clock)
        .experiment().block(Duration.ofSeconds(10));

    assertThat(result.trained()).isEqualTo(4);
  }
}
