package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Experiment;
import io.solstice.core.Step;
import io.solstice.reactive.ModelVersion;
import io.solstice.reactive.Solstice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Randomized faults over composed pipelines: a source (failing at a random batch or not, read on
 * its own thread or not), a random chain of filter, rebatch, shuffle, select or a two-source mix,
 * then a broadcast to one to three branches, each of which may predict and then consumes all,
 * takes a few and cancels, fails at a random batch, is disposed from outside after a random
 * time, evaluates a few batches live and cancels, or trains through the engine until it stops
 * early or its step fails. After every run, every branch has terminated and the run's allocator
 * is back at zero bytes (closing it fails on a leak).
 *
 * <p>Seeded: {@code -Dsolstice.compose.seed=S -Dsolstice.compose.runs=N} replays runs S..S+N-1;
 * a failure names the seed of its run.
 */
class ComposeFaultTest {
  private static final int RUNS = Integer.getInteger("solstice.compose.runs", 500);
  private static final long FIRST_SEED = Long.getLong("solstice.compose.seed", 16_000L);
  // Generous bounds: a run that works ends in milliseconds, so they cost time only when something
  // is really wrong, while one run stalled on a loaded machine would fail the whole suite.
  private static final int TERMINATE_WITHIN_S = 60;
  private static final int CLOSE_WITHIN_S = 30;

  private enum Ending { CONSUME_ALL, TAKE, FAIL, DISPOSE_LATER, EVALUATE_SOME, RUN_STOPS_EARLY, RUN_STEP_FAILS }

  @Test
  void everyRandomPipelineTerminatesEveryBranchAndLeaksNothing() {
    Map<String, Integer> endings = new TreeMap<>();
    try (RootAllocator root = new RootAllocator(256L << 20)) {
      for (int i = 0; i < RUNS; i++) {
        long seed = FIRST_SEED + i;
        List<String> plan = new ArrayList<>();
        try {
          runOnce(seed, root, endings, plan);
        } catch (Throwable t) {
          throw new AssertionError("run " + i + " failed; replay it with -Dsolstice.compose.seed=" + seed
              + " -Dsolstice.compose.runs=1 " + plan + ": " + t, t);
        }
      }
      assertThat(root.getAllocatedMemory()).isZero();
    }
    System.out.printf("compose faults: %d runs, branch endings %s%n", RUNS, endings);
    if (RUNS >= 100) {
      assertThat(endings).containsKeys(
          java.util.Arrays.stream(Ending.values()).map(Enum::name).toArray(String[]::new));
    }
  }

  private static void runOnce(long seed, RootAllocator root, Map<String, Integer> endings, List<String> plan)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    BufferAllocator allocator = root.newChildAllocator("run-" + seed, 0, 64L << 20);
    List<VectorSchemaRoot> stored = new ArrayList<>();
    List<Disposable> subscriptions = new ArrayList<>();
    boolean ended = false;
    try {
      Flux<ArrowBatch> source = source(random, allocator, stored, "a", 0, plan);
      if (random.nextInt(5) == 0) {
        plan.add("mix");
        source = ArrowFlux.mix(random.nextLong(), List.of(source, source(random, allocator, stored, "b", 10_000, plan)),
            1 + random.nextInt(3), 1);
      }
      if (random.nextBoolean()) {
        long modulus = 2 + random.nextInt(3);
        plan.add("filter");
        source = source.transform(ArrowFlux.filter(b -> b.position().batch() % modulus != 0));
      }
      if (random.nextBoolean()) {
        int rows = 1 + random.nextInt(7);
        plan.add("rebatch " + rows);
        source = source.transform(ArrowFlux.rebatch(rows, allocator));
      }
      if (random.nextBoolean()) {
        Flux<ArrowBatch> upstream = source;
        int size = 2 + random.nextInt(4);
        plan.add("shuffle " + size);
        source = ArrowFlux.shuffle(size, random.nextLong()).shuffle(start -> upstream);
      }
      if (random.nextInt(4) == 0) {
        plan.add("select");
        source = source.transform(ArrowFlux.select("id", "pixels", "label"));
      }
      int branchCount = 1 + random.nextInt(3);
      int prefetch = 1 + random.nextInt(4);
      plan.add("broadcast " + branchCount + " prefetch " + prefetch);
      List<Flux<ArrowBatch>> branches = ArrowFlux.broadcast(source, branchCount, prefetch);
      CountDownLatch terminated = new CountDownLatch(branchCount);
      for (Flux<ArrowBatch> branch : branches) {
        Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
        endings.merge(ending.name(), 1, Integer::sum);
        subscriptions.add(consume(branch, ending, random, terminated, plan));
      }
      ended = terminated.await(TERMINATE_WITHIN_S, TimeUnit.SECONDS);
    } finally {
      subscriptions.forEach(Disposable::dispose);
      // Every batch lives in a child allocator of a source or a rebatch, closed with its last
      // batch. A cancelled branch stops at once, but a batch its source was emitting at that
      // moment is closed on the source's thread just after: wait (bounded) for them to close.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WITHIN_S);
      while (!allocator.getChildAllocators().isEmpty() && System.nanoTime() < deadline) {
        LockSupport.parkNanos(1_000_000);
      }
      String open = allocator.getChildAllocators().stream()
          .map(a -> a.getName() + " holding " + a.getAllocatedMemory() + " bytes").toList().toString();
      stored.forEach(VectorSchemaRoot::close);
      try {
        allocator.close(); // throws IllegalStateException("Memory was leaked ...") on a leak
      } catch (IllegalStateException leak) {
        throw new AssertionError("leaked, still open: " + open + (ended ? "" : "; and a branch never terminated"),
            leak);
      }
    }
    assertThat(ended).as("every branch terminated within %d s", TERMINATE_WITHIN_S).isTrue();
  }

  private static Flux<ArrowBatch> source(SplittableRandom random, BufferAllocator allocator,
      List<VectorSchemaRoot> stored, String name, long firstId, List<String> plan) {
    int batches = 3 + random.nextInt(15);
    int rows = 1 + random.nextInt(6);
    plan.add("source " + name + " " + batches + "x" + rows);
    for (int b = 0; b < batches; b++) {
      VectorSchemaRoot r = VectorSchemaRoot.create(TestData.schema(), allocator);
      TestData.fill(r, firstId + (long) b * rows, rows);
      stored.add(r);
    }
    Flux<ArrowBatch> source = ArrowSources.roots(name, stored.subList(stored.size() - batches, stored.size()), null,
        allocator, ReadOptions.defaults());
    if (random.nextInt(4) == 0) {
      int failAt = random.nextInt(batches);
      plan.add("fails at " + failAt);
      source = source.take(failAt).concatWith(Flux.error(new IllegalStateException("source broke")));
    }
    boolean ownThread = random.nextBoolean();
    plan.add(ownThread ? "on its thread" : "on the requester's thread");
    return ownThread ? source.subscribeOn(Schedulers.boundedElastic()) : source;
  }

  private static Disposable consume(Flux<ArrowBatch> branch, Ending ending, SplittableRandom random,
      CountDownLatch terminated, List<String> plan) {
    // Threads vary through the sources (subscribeOn), the engine's reader and step threads,
    // and disposal from another thread. No publishOn here: reactor-core 3.8.8's publishOn drops
    // queued items on cancel without discarding them (ArrowSources says how to track them).
    Flux<ArrowBatch> batches = branch;
    if (random.nextInt(3) == 0) {
      plan.add("predict");
      batches = batches.transform(ArrowFlux.predict(PredictionTest.SPEC, PredictionTest.MODEL, PredictionTest::scores));
    }
    int at = random.nextInt(8);
    long delayMs = random.nextInt(3);
    plan.add("branch " + ending + " at " + at);
    Flux<?> consumed = switch (ending) {
      case CONSUME_ALL, DISPOSE_LATER -> batches.doOnNext(b -> {
        sleep(delayMs);
        b.close();
      });
      // At least one: take(0) never subscribes, and a broadcast waits for every branch.
      case TAKE -> batches.take(at + 1).doOnNext(ArrowBatch::close);
      case FAIL -> batches.index().doOnNext(indexed -> {
        indexed.getT2().close();
        if (indexed.getT1() == at) {
          throw new IllegalStateException("consumer broke");
        }
      });
      case EVALUATE_SOME -> batches.transform(ArrowFlux.evaluate(PredictionTest.SPEC,
          Mono.just(new ModelVersion<>(0, 0, new ReadingExperiment(-1))))).take(at + 1);
      case RUN_STOPS_EARLY, RUN_STEP_FAILS -> Solstice.run(new ReadingExperiment(ending == Ending.RUN_STEP_FAILS ? at : -1))
          .train(batches.map(PredictionTest.SPEC::toTensors))
          .prefetch(1 + random.nextInt(3))
          .maxSteps(1 + at)
          .events();
    };
    Disposable subscription = consumed
        .doFinally(signal -> terminated.countDown())
        .subscribe(x -> { }, error -> { });
    if (ending == Ending.DISPOSE_LATER) {
      Schedulers.parallel().schedule(subscription::dispose, random.nextInt(5), TimeUnit.MILLISECONDS);
    }
    return subscription;
  }

  private static void sleep(long millis) {
    if (millis > 0) {
      LockSupport.parkNanos(millis * 1_000_000);
    }
  }

  /** A train step that reads the features (so a closed buffer would be noticed) and may fail at one step. */
  private record ReadingExperiment(long failAt, long steps)
      implements Experiment<ReadingExperiment, ArrowTensorBatch, Double> {
    ReadingExperiment(long failAt) {
      this(failAt, 0);
    }

    @Override
    public Step<ReadingExperiment, Double> trainStep(ArrowTensorBatch batch) {
      if (steps == failAt) {
        throw new IllegalStateException("step broke");
      }
      return Step.of(new ReadingExperiment(failAt, steps + 1), batch.features().sumNumber().doubleValue());
    }

    @Override
    public Step<ReadingExperiment, Double> evalStep(ArrowTensorBatch batch) {
      return trainStep(batch);
    }
  }
}
