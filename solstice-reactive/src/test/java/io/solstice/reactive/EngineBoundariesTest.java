package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.solstice.core.Experiment;
import io.solstice.core.Step;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Settings, thread choices, batch-close failures and backend independence. */
class EngineBoundariesTest {

  @Test
  void invalidSettingsAreRejectedWithMessagesThatNameTheSetting() {
    var run = Solstice.run(CountingExperiment.fresh());
    assertThatThrownBy(() -> run.prefetch(0)).hasMessage("prefetch must be >= 1, was 0");
    assertThatThrownBy(() -> run.maxSteps(0)).hasMessage("maxSteps must be >= 1, was 0");
    assertThatThrownBy(() -> run.maxTime(Duration.ZERO))
        .hasMessage("maxTime must be positive, was PT0S");
    assertThatThrownBy(() -> run.prequential(0, 0.5))
        .hasMessage("windowSize must be >= 1, was 0");
    assertThatThrownBy(() -> run.prequential(10, 1.5))
        .hasMessage("fadingFactor must be in (0, 1], was 1.5");
    assertThatThrownBy(() -> run.epochs(-1)).hasMessage("epochs must be >= 0, was -1");
    assertThatThrownBy(run::events)
        .hasMessage("nothing to run: give the run a source with train(...) or test(...)");
    var training = run.train(Sources.counting(new Ledger(), 1));
    assertThatThrownBy(() -> training.test(Sources.counting(new Ledger(), 1)))
        .hasMessage("a run either trains or tests; this one trains already");
  }

  @Test
  void aGivenStepThreadFactoryMakesTheTrainingThread() {
    Ledger ledger = new Ledger();
    CountingExperiment start = CountingExperiment.fresh();
    Solstice.run(start).train(Sources.counting(ledger, 3)).epochs(2)
        .stepThreadFactory(r -> new Thread(r, "my-gpu-thread"))
        .block();

    assertThat(start.stepThreads()).extracting(Thread::getName).containsExactly("my-gpu-thread");
    assertThat(ledger.sourceThreads()).extracting(Thread::getName)
        .allMatch(name -> name.startsWith("solstice-source-train-"));
  }

  @Test
  void aPooledRunUsesOneStepLaneAndOneReaderLaneAndLeavesThePoolRunning() {
    try (RunThreadPool pool = RunThreadPool.create(2, 1)) {
      for (int run = 0; run < 3; run++) {
        Ledger ledger = new Ledger();
        CountingExperiment start = CountingExperiment.fresh();
        Solstice.run(start).train(Sources.counting(ledger, 3)).epochs(2).threadPool(pool).block();

        assertThat(start.stepThreads()).extracting(Thread::getName)
            .singleElement().asString().startsWith("solstice-pool-step-");
        assertThat(ledger.sourceThreads()).extracting(Thread::getName)
            .containsOnly("solstice-pool-reader-0");
        // Given back when the run terminates, just after its last signal.
        await("lanes given back").atMost(Duration.ofSeconds(10)).until(() -> pool.activeRuns() == 0);
      }
    }
  }

  @Test
  void aRunTakesEitherAPoolOrAStepThreadFactory() {
    try (RunThreadPool pool = RunThreadPool.create(1, 1)) {
      var run = Solstice.run(CountingExperiment.fresh());
      assertThatThrownBy(() -> run.threadPool(pool).stepThreadFactory(Thread::new))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("give one or the other");
      assertThatThrownBy(() -> run.stepThreadFactory(Thread::new).threadPool(pool))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("give one or the other");
      assertThatThrownBy(() -> RunThreadPool.create(0, 1))
          .hasMessage("a pool needs at least one step and one reader thread, got 0 and 1");
    }
  }

  @Test
  void aBatchWhoseCloseThrowsFailsTheRun() {
    record Failing(int id) implements AutoCloseable {
      @Override
      public void close() throws IOException {
        if (id == 2) {
          throw new IOException("cannot release batch " + id);
        }
      }
    }
    record Noop() implements Experiment<Noop, Failing, String> {
      public Step<Noop, String> trainStep(Failing b) {
        return Step.of(this, "ok");
      }

      public Step<Noop, String> evalStep(Failing b) {
        return Step.of(this, "ok");
      }
    }

    StepVerifier.create(Solstice.run(new Noop()).train(Flux.range(0, 5).map(Failing::new))
            .experiment())
        .expectErrorSatisfies(error -> assertThat(error)
            .isInstanceOf(TrainingException.class)
            .hasMessageStartingWith("TRAIN failed in epoch 0 at train step 2: ")
            .hasRootCauseMessage("cannot release batch 2"))
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void aSourceIsCancelledOnItsReaderThreadSoItsCleanupCannotRaceARead() {
    Ledger ledger = new Ledger();
    Set<Thread> cancellingThreads = ConcurrentHashMap.newKeySet();

    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 100)
            .doOnCancel(() -> cancellingThreads.add(Thread.currentThread())))
        .epochs(3).limitTrainBatches(5)
        .block();

    assertThat(cancellingThreads).isNotEmpty()
        .allSatisfy(t -> assertThat(t.getName()).startsWith("solstice-source-train-"));
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aSourceThatEmitsTheSameBatchObjectRepeatedlyIsSteppedForEveryEmission() {
    Ledger ledger = new Ledger();
    var reused = ledger.create(0.5, 2);

    CountingExperiment result = Solstice.run(CountingExperiment.fresh())
        .train(Flux.just(reused).repeat(4)).epochs(2)
        .block();

    assertThat(result.trained()).isEqualTo(10);
  }

  @Test
  void everySubscriptionIsANewRunFromTheSameStartingExperiment() {
    var run = Solstice.run(CountingExperiment.fresh()).train(Sources.counting(new Ledger(), 3));

    assertThat(run.block().trained()).isEqualTo(3);
    assertThat(run.block().trained()).isEqualTo(3);
  }

  @Test
  void theEngineNamesNoNd4jBackendSoItRunsOnCpuOrGpu() throws IOException {
    Set<String> offending = ConcurrentHashMap.newKeySet();
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      sources.filter(p -> p.toString().endsWith(".java")).forEach(p -> {
        try {
          String text = Files.readString(p);
          if (text.contains("org.nd4j.linalg.cpu") || text.contains("org.nd4j.linalg.jcublas")
              || text.contains("nativeblas")) {
            offending.add(p.toString());
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    assertThat(Path.of("src/main/java/io/solstice/reactive/Solstice.java")).exists();
    assertThat(offending).isEmpty();
  }
}
