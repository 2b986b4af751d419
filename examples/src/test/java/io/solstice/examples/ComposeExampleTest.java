package io.solstice.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The composition example runs: one stream read once, two models, a live evaluator, predictions over Flight. */
class ComposeExampleTest {

  @Test
  void oneStreamFeedsTwoModelsALiveEvaluatorAndAFlightClient() {
    ComposeExample.Result r = ComposeExample.run(300, 42); // closes its allocator: a leak fails here
    System.out.println(r);

    assertThat(r.streamReads()).as("the stream is read once").isEqualTo(300);
    assertThat(r.championSteps()).isEqualTo(300);
    assertThat(r.challengerSteps()).isEqualTo(300);
    assertThat(r.championAccuracy()).isGreaterThan(0.85);
    assertThat(r.challengerAccuracy()).isGreaterThan(0.6).isNotEqualTo(r.championAccuracy());
    assertThat(r.liveVersions()).as("the evaluator followed the champion's versions").isGreaterThan(2);
    assertThat(r.liveAccuracy()).isGreaterThan(0.85);
    assertThat(r.servedRows()).isEqualTo(20 * 64);
    assertThat(r.servedVersions()).isGreaterThanOrEqualTo(1);
  }
}
