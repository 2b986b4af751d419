package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.ModelVersion;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * The operators that use the latest model version ({@link ArrowFlux#evaluate}, {@link
 * ArrowFlux#predict}) keep receiving versions while a synchronous source drains: the batches are
 * not subscribed on the thread that delivers the versions, which would otherwise stay busy for
 * the whole drain with every later version queued behind it. And a branch of a broadcast that
 * ends before its first version (cancelled, or its versions failed) still releases the
 * broadcast, so that the other branches receive every batch.
 */
class LatestVersionTest {
  private static final int BATCHES = 16;
  private static final int SWITCH_AT = 5;

  private BufferAllocator allocator;
  private List<VectorSchemaRoot> stored;
  private Scheduler versionsThread;

  @BeforeEach
  void data() {
    allocator = new RootAllocator();
    stored = Blobs.roots(allocator, BATCHES, 8, 5);
    versionsThread = Schedulers.newSingle("versions");
  }

  @AfterEach
  void close() {
    versionsThread.dispose();
    stored.forEach(VectorSchemaRoot::close);
    allocator.close(); // fails on a leaked byte
  }

  @Test
  void anEvaluatorSeesANewVersionWhileItsSourceDrains() throws Exception {
    List<Long> used = versionsUsed(versions -> batches -> batches
        .transform(ArrowFlux.evaluate(Blobs.SPEC, versions))
        .map(ModelEvaluation::version));
    assertSwitchedDuringTheDrain(used);
  }

  @Test
  void aPredictorSeesANewVersionWhileItsSourceDrains() throws Exception {
    List<Long> used = versionsUsed(versions -> batches -> batches
        .transform(ArrowFlux.predict(Blobs.SPEC, versions, MlpClassifier::predict))
        .map(batch -> {
          try (batch) {
            return ((BigIntVector) batch.root().getVector(ArrowFlux.MODEL_VERSION)).get(0);
          }
        }));
    assertSwitchedDuringTheDrain(used);
  }

  @Test
  void aBranchCancelledBeforeTheFirstVersionLetsTheOtherBranchesOfABroadcastGoOn() {
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(
        ArrowSources.roots("blobs", stored, null, allocator, ReadOptions.defaults()), 2, 2);
    // The versions never come; the evaluator is cancelled while it waits for them.
    Disposable waiting = branches.get(0)
        .transform(ArrowFlux.evaluate(Blobs.SPEC, Flux.<ModelVersion<MlpClassifier>>never()))
        .subscribe();
    Mono<Long> other = branches.get(1).doOnNext(ArrowBatch::close).count().cache();
    other.subscribe();
    waiting.dispose();
    assertThat(other.block(Duration.ofSeconds(20))).isEqualTo(BATCHES);
  }

  @Test
  void versionsThatFailBeforeTheFirstOneFailTheBranchAndLetTheOthersGoOn() {
    List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(
        ArrowSources.roots("blobs", stored, null, allocator, ReadOptions.defaults()), 2, 2);
    Flux<ArrowBatch> predicted = branches.get(0).transform(ArrowFlux.predict(Blobs.SPEC,
        Flux.<ModelVersion<MlpClassifier>>error(new IllegalStateException("the run failed")),
        MlpClassifier::predict));
    Mono<Long> other = branches.get(1).doOnNext(ArrowBatch::close).count();
    StepVerifier.create(Mono.zip(predicted.then(Mono.just(0L)).onErrorResume(e ->
            Mono.just(e.getMessage().equals("the run failed") ? -1L : 0L)), other))
        .assertNext(done -> {
          assertThat(done.getT1()).as("the predictor failed with the versions' error").isEqualTo(-1L);
          assertThat(done.getT2()).as("batches the other branch received").isEqualTo(BATCHES);
        })
        .expectComplete()
        .verify(Duration.ofSeconds(20));
  }

  @Test
  void withAFixedModelTheBatchesAreReadOnTheSubscribersThread() {
    // As with an ordinary operator: a blocking consumer then wakes up to the end or a failure
    // only after the source has released what it holds, and may close its allocator at once.
    Set<Thread> readers = ConcurrentHashMap.newKeySet();
    Flux<ArrowBatch> batches = ArrowSources.roots("blobs", stored, null, allocator, ReadOptions.defaults())
        .doOnNext(batch -> readers.add(Thread.currentThread()));

    Long predicted = batches.transform(ArrowFlux.predict(Blobs.SPEC, model(), MlpClassifier::predict))
        .doOnNext(ArrowBatch::close)
        .count()
        .block(Duration.ofSeconds(20));

    assertThat(predicted).isEqualTo(BATCHES);
    assertThat(readers).containsExactly(Thread.currentThread());
  }

  private static void assertSwitchedDuringTheDrain(List<Long> versions) {
    assertThat(versions).hasSize(BATCHES);
    assertThat(versions.subList(0, SWITCH_AT)).containsOnly(1L);
    // The batch that publishes version 2 waits until the operator has stored it; a batch or two
    // later every evaluation uses it.
    assertThat(versions.subList(SWITCH_AT + 2, BATCHES)).as("versions per batch: %s", versions)
        .containsOnly(2L);
  }

  /**
   * Runs {@code operator} over a synchronous source whose batch {@link #SWITCH_AT} publishes
   * version 2 and waits (up to 30 s) until the operator has stored it as its latest version.
   */
  private List<Long> versionsUsed(
      Function<Flux<ModelVersion<MlpClassifier>>, Function<Flux<ArrowBatch>, Flux<Long>>> operator)
      throws Exception {
    Sinks.Many<ModelVersion<MlpClassifier>> published = Sinks.many().replay().latest();
    CountDownLatch secondDelivered = new CountDownLatch(1);
    Flux<ModelVersion<MlpClassifier>> versions = published.asFlux()
        .publishOn(versionsThread)
        .doOnNext(v -> {
          if (v.version() == 2) {
            secondDelivered.countDown();
          }
        });
    Flux<ArrowBatch> batches = ArrowSources.roots("blobs", stored, null, allocator, ReadOptions.defaults())
        .doOnNext(batch -> {
          if (batch.position().batch() == SWITCH_AT) {
            published.emitNext(new ModelVersion<>(2, 10, model()), WHILE_ANOTHER_EMITS);
            await(secondDelivered, "version 2 delivered on the versions' thread");
            // secondDelivered counts down in doOnNext, before the operator's own subscriber
            // stores the version; the drain would go on with version 1 until then. A task
            // queued behind that onNext on the same single thread runs only once it returned,
            // that is once version 2 is stored.
            CountDownLatch secondStored = new CountDownLatch(1);
            versionsThread.schedule(secondStored::countDown);
            await(secondStored, "version 2 stored by the operator");
          }
        });
    CompletableFuture<List<Long>> used =
        batches.transform(operator.apply(versions)).collectList().toFuture();
    // Published once the operator waits for it, so that it arrives on the versions' thread.
    published.emitNext(new ModelVersion<>(1, 0, model()), WHILE_ANOTHER_EMITS);
    try {
      return used.get(60, TimeUnit.SECONDS);
    } finally {
      published.emitComplete(WHILE_ANOTHER_EMITS);
    }
  }

  /**
   * Retries an emission that met another thread's: version 1 comes from the test's thread and
   * version 2 from the source's, and on a busy machine the first may still be in the sink when
   * the second comes, which {@code tryEmitNext} would drop (FAIL_NON_SERIALIZED).
   */
  private static final Sinks.EmitFailureHandler WHILE_ANOTHER_EMITS =
      Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(10));

  // 30 s: the wait costs time only when something is wrong, and a busy machine may be slow.
  private static void await(CountDownLatch latch, String what) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("%s within 30 s", what).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for " + what, e);
    }
  }

  private static MlpClassifier model() {
    return MlpClassifier.builder().inputs(Blobs.WIDTH).hidden(4).classes(Blobs.CLASSES)
        .updater(new Adam(1e-2)).seed(3).build();
  }
}
