package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backpressure contract: the prefetch bounds the batches alive, whatever the source's
 * speed, and the source is read while the step computes.
 */
class BackpressureTest {

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {1, 4, 16})
  void aMillionBatchSourceAgainstASlowStepNeverHasMoreThanPrefetchPlusTwoBatchesAlive(int prefetch) {
    Ledger ledger = new Ledger();
    long steps = 150;

    CountingExperiment result = Solstice.train(CountingExperiment.slow(2), 1,
        Sources.counting(ledger, 1_000_000), null, List.of(),
        TrainOptions.builder().prefetch(prefetch).maxSteps(steps).build()).block();

    assertThat(result.trained()).isEqualTo(steps);
    assertThat(ledger.maxAlive()).isLessThanOrEqualTo(prefetch + 2);
    assertThat(ledger.created()).isLessThanOrEqualTo(steps + prefetch + 2);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @ParameterizedTest(name = "prefetch {0}")
  @ValueSource(ints = {2, 4})
  void theSourceIsReadAheadWhileAStepIsComputing(int prefetch) {
    Ledger ledger = new Ledger();
    AtomicLong stepsThatSawTheNextBatchArrive = new AtomicLong();
    // Inside step n, batch n + 1 can only appear if the source is read while the step runs.
    CountingExperiment start = CountingExperiment.withAction(n -> {
      long deadline = System.nanoTime() + 2_000_000_000L;
      while (ledger.created() < n + 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      if (ledger.created() >= n + 2) {
        stepsThatSawTheNextBatchArrive.incrementAndGet();
      }
    });

    Solstice.train(start, 1, Sources.counting(ledger, 20), null, List.of(),
        TrainOptions.builder().prefetch(prefetch).build()).block();

    assertThat(stepsThatSawTheNextBatchArrive).hasValue(19); // every step but the last
  }
}
