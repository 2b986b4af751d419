package io.solstice.arrow.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.reliability.FaultyExperiment.InjectedFault;
import io.solstice.arrow.reliability.FaultyExperiment.Pause;
import io.solstice.core.Callback;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.AsyncObserver;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.StepResult;
import io.solstice.reactive.TrainOptions;
import io.solstice.reactive.TrainingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Randomized fault injection over the real engine and, in most runs, real Arrow batches:
 * cancellation at random moments (by item count and by wall time from another thread),
 * exceptions from train steps, eval steps, every callback hook and the sources, slow and fast
 * sources, and a slow asynchronous observer with a tiny buffer. After <b>every</b> run:
 *
 * <ul>
 *   <li>the publisher terminated (or, cancelled, let go of the run) within 10 s;
 *   <li>no {@code solstice-step-*} or {@code solstice-source-*} thread is left alive (5 s);
 *   <li>{@code onRunEnd} was called exactly once;
 *   <li>every batch a source created was closed exactly once;
 *   <li>the run's Arrow allocator is back at zero bytes (closing it fails on a leak);
 *   <li>an error, if any, is a {@link TrainingException} naming the mode, epoch and step.
 * </ul>
 *
 * <p>Seeded: {@code -Dsolstice.faults.seed=S -Dsolstice.faults.runs=N} replays runs S..S+N-1;
 * a failure names the seed of its run.
 */
class FaultInjectionTest {

  private static final int RUNS = Integer.getInteger("solstice.faults.runs", 1000);
  private static final long FIRST_SEED = Long.getLong("solstice.faults.seed", 20261125L);
  private static final Pattern NAMES_MODE_AND_STEP =
      Pattern.compile("(TRAIN|VAL|TEST) failed in epoch \\d+ at (train|val|test) step \\d+: .*");
  private static final AtomicInteger LATE_RELEASES = new AtomicInteger();
  private static final FeatureSpec SPEC = FeatureSpec.builder().features("x").label("label").build();

  @Test
  void everyRandomizedRunClosesEveryBatchOnceLeaksNothingAndEndsAllItsThreads() {
    Map<String, Integer> outcomes = new TreeMap<>();
    Scheduler observerThread = Schedulers.newSingle("slow-observer", true);
    long started = System.nanoTime();
    int arrowRuns = 0;
    try (RootAllocator root = new RootAllocator(64L << 20)) {
      for (int i = 0; i < RUNS; i++) {
        FaultPlan plan = FaultPlan.draw(FIRST_SEED + i);
        arrowRuns += plan.arrow() ? 1 : 0;
        try {
          outcomes.merge(runOnce(plan, root, observerThread), 1, Integer::sum);
        } catch (Throwable t) {
          throw new AssertionError("run " + i + " failed; replay it with -Dsolstice.faults.seed="
              + plan.seed() + " -Dsolstice.faults.runs=1 (" + plan + "): " + t, t);
        }
      }
      assertThat(root.getAllocatedMemory()).isZero();
    } finally {
      observerThread.dispose();
    }
    System.out.printf("fault injection: %d runs (%d on Arrow batches) in %.1f s, outcomes %s, "
        + "runs whose Arrow memory was released after the run's threads ended: %d%n",
        RUNS, arrowRuns, (System.nanoTime() - started) / 1e9, outcomes, LATE_RELEASES.get());
    if (RUNS >= 100) {
      assertThat(outcomes).as("the mix reached every kind of ending")
          .containsKeys("COMPLETED", "STOPPED_EARLY", "CANCELLED", "FAILED by train step",
              "FAILED by eval step", "FAILED by source", "FAILED by callback");
    }
  }

  private static String runOnce(FaultPlan plan, RootAllocator root, Scheduler observerThread)
      throws InterruptedException {
    CloseLedger ledger = new CloseLedger();
    BufferAllocator allocator = root.newChildAllocator("run-" + plan.seed(), 0, 16L << 20);
    List<VectorSchemaRoot> trainRoots = plan.arrow()
        ? SmallArrowData.roots(allocator, plan.trainBatches(), 4) : List.of();
    List<VectorSchemaRoot> valRoots = plan.arrow()
        ? SmallArrowData.roots(allocator, plan.valBatches(), 4) : List.of();
    OutcomeRecorder recorder = new OutcomeRecorder();
    Terminal terminal = new Terminal(plan.cancelAfterItems());
    try {
      Flux<TensorBatch> train = source(plan, "train", trainRoots, plan.trainBatches(), ledger, allocator);
      Flux<TensorBatch> val = plan.valBatches() == 0
          ? null : source(plan, "val", valRoots, plan.valBatches(), ledger, allocator);
      TrainOptions.Builder options = TrainOptions.builder().prefetch(plan.prefetch());
      if (plan.slowObserver()) {
        options.observer(AsyncObserver.of(event -> Pause.millis(1), 2, observerThread));
      }
      List<Callback<FaultyExperiment, TensorBatch, MeanMetric>> callbacks =
          List.of(recorder, new FaultyCallback(plan));

      Solstice.run(new FaultyExperiment(plan, 0, 0), plan.epochs(), train, val, callbacks,
          options.build()).subscribe(terminal);
      if (plan.cancelAfterMs() >= 0) {
        Pause.millis(plan.cancelAfterMs());
        terminal.cancelFromOutside();
      }

      assertThat(terminal.ended.await(10, TimeUnit.SECONDS))
          .as("publisher terminated or was cancelled within 10 s").isTrue();
      assertThat(runThreadsGoneWithin(5_000)).as("run threads still alive after 5 s").isEmpty();
      assertThat(recorder.calls.get()).as("onRunEnd calls").isEqualTo(1);
      assertThat(ledger.notClosedExactlyOnce()).as("batches not closed exactly once of %d",
          ledger.count()).isEmpty();
      Throwable error = terminal.error.get();
      if (error != null) {
        assertThat(error).isInstanceOf(TrainingException.class);
        assertThat(error.getMessage()).matches(NAMES_MODE_AND_STEP);
      }
      return describe(recorder.outcome.get(), error);
    } finally {
      trainRoots.forEach(VectorSchemaRoot::close);
      valRoots.forEach(VectorSchemaRoot::close);
      awaitRelease(allocator);
      allocator.close(); // throws IllegalStateException("Memory was leaked ...") on a leak
    }
  }

  /** Waits up to 2 s for batches closed on other threads; records how often that was needed. */
  private static void awaitRelease(BufferAllocator allocator) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    boolean waited = false;
    while ((allocator.getAllocatedMemory() != 0 || !allocator.getChildAllocators().isEmpty())
        && System.nanoTime() < deadline) {
      waited = true;
      Pause.millis(1);
    }
    if (waited) {
      LATE_RELEASES.incrementAndGet();
    }
  }

  /** A fresh read per subscription: real Arrow batches or plain tensors, counted and faulty. */
  private static Flux<TensorBatch> source(FaultPlan plan, String name, List<VectorSchemaRoot> roots,
      int batches, CloseLedger ledger, BufferAllocator allocator) {
    return Flux.defer(() -> {
      AtomicInteger index = new AtomicInteger();
      Flux<TensorBatch> tensors = plan.arrow()
          ? ArrowSources.roots(name, roots, null, allocator, ReadOptions.defaults())
              .<TensorBatch>map(SPEC::toTensors)
              // As ArrowSources says: a batch the source emits after the run was cancelled is
              // discarded, not delivered; this hook is what closes it.
              .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
          : Flux.range(0, batches).map(i -> TensorBatch.of(
              Nd4j.rand(DataType.FLOAT, 4, 2), Nd4j.zeros(DataType.INT64, 4)));
      return tensors.map(tensor -> {
        int i = index.getAndIncrement();
        Pause.millis(plan.sourceDelayMs());
        if (i == plan.failSourceAt()) {
          tensor.close(); // a source that fails owns the batch it was reading
          throw new InjectedFault(name + " source at batch " + i);
        }
        return new CountedBatch(ledger.created(), tensor, ledger);
      });
    });
  }

  private static String describe(RunOutcome outcome, Throwable error) {
    if (outcome.status() != RunOutcome.Status.FAILED) {
      return outcome.status().name();
    }
    String where = String.valueOf(rootCause(error).getMessage());
    if (where.contains("train step")) {
      return "FAILED by train step";
    }
    if (where.contains("eval step")) {
      return "FAILED by eval step";
    }
    if (where.contains("source")) {
      return "FAILED by source";
    }
    return where.contains("injected fault in on") ? "FAILED by callback" : "FAILED otherwise";
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c != null && c.getCause() != null) {
      c = c.getCause();
    }
    return c == null ? new IllegalStateException("no error") : c;
  }

  private static List<String> runThreadsGoneWithin(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    List<String> alive;
    do {
      alive = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && (t.getName().startsWith("solstice-step-")
            || t.getName().startsWith("solstice-source-"))) {
          alive.add(t.getName());
        }
      }
      if (alive.isEmpty()) {
        return alive;
      }
      Thread.sleep(1);
    } while (System.nanoTime() < deadline);
    return alive;
  }

  /** Records the outcome given to onRunEnd and how often it was called. */
  private static final class OutcomeRecorder
      implements Callback<FaultyExperiment, TensorBatch, MeanMetric> {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicReference<RunOutcome> outcome = new AtomicReference<>();

    @Override
    public void onRunEnd(FaultyExperiment e, RunOutcome o) {
      outcome.set(o);
      calls.incrementAndGet();
    }
  }

  /** Requests everything, cancels after n items or on demand, and signals its end. */
  private static final class Terminal extends BaseSubscriber<StepResult<FaultyExperiment, MeanMetric>> {
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicReference<Throwable> error = new AtomicReference<>();
    private final int cancelAfter;
    private int seen;

    Terminal(int cancelAfter) {
      this.cancelAfter = cancelAfter;
    }

    @Override
    protected void hookOnSubscribe(Subscription s) {
      if (cancelAfter == 0) {
        cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    protected void hookOnNext(StepResult<FaultyExperiment, MeanMetric> result) {
      if (++seen == cancelAfter) {
        cancel();
      }
    }

    void cancelFromOutside() {
      cancel();
    }

    @Override
    protected void hookOnError(Throwable t) {
      error.set(t);
    }

    @Override
    protected void hookFinally(reactor.core.publisher.SignalType type) {
      ended.countDown();
    }
  }
}
