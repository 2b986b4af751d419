package io.solstice.arrow.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.arrow.reliability.FaultyExperiment.InjectedFault;
import io.solstice.arrow.reliability.FaultyExperiment.Pause;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
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
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Randomized fault injection over the real engine and, in most runs, real Arrow batches:
 * cancellation at random moments (by item count and by wall time from another thread),
 * exceptions from train steps, eval steps, a synchronous subscriber at every kind of event and
 * the sources, early stops thrown or signalled from every kind of event, slow and fast sources,
 * random prefetch, and a slow asynchronous subscriber with a tiny buffer. After <b>every</b> run:
 *
 * <ul>
 *   <li>the publisher terminated (or, cancelled, let go of the run) within 60 s;
 *   <li>termination is quiescent: <b>at the moment</b> the publisher completed or failed (or,
 *       after a cancel, {@link RunControl#terminated()} completed), every batch a source created
 *       had been closed exactly once and the run's Arrow allocator held zero bytes and no
 *       source allocator; nothing waits for late releases;
 *   <li>no thread is left working for a run after 30 s: each one that bore a run's name ({@code
 *       solstice-step-*}, {@code solstice-source-*}) has ended or is back in the cache of idle
 *       threads (its name ends with {@code " (idle)"});
 *   <li>{@code RunEnded} was delivered exactly once to the synchronous subscribers of a run that
 *       started (none to a run cancelled before it started);
 *   <li>an error, if any, is a {@link TrainingException} naming the mode, epoch and step.
 * </ul>
 *
 * <p>Seeded: {@code -Dsolstice.faults.seed=S -Dsolstice.faults.runs=N} replays runs S..S+N-1;
 * a failure names the seed of its run.
 */
class FaultInjectionTest {

  private static final int RUNS = Integer.getInteger("solstice.faults.runs", 1000);
  private static final long FIRST_SEED = Long.getLong("solstice.faults.seed", 20261125L);
  // Generous bounds: a run that works ends in milliseconds, so they cost time only when something
  // is really wrong, while one run stalled on a loaded machine would fail the whole suite.
  private static final int END_WITHIN_S = 60;
  private static final int THREADS_GONE_WITHIN_S = 30;
  private static final Pattern NAMES_MODE_AND_STEP =
      Pattern.compile("(TRAIN|VAL|TEST) failed in epoch \\d+ at (train|val|test) step \\d+: .*");
  private static final FeatureSpec SPEC = FeatureSpec.builder().features("x").label("label").build();

  @Test
  void everyRandomizedRunIsQuiescentWhenItTerminatesAndEndsAllItsThreads() {
    Map<String, Integer> outcomes = new TreeMap<>();
    Scheduler slowSubscriberThread = Schedulers.newSingle("slow-subscriber", true);
    long started = System.nanoTime();
    int arrowRuns = 0;
    try (RootAllocator root = new RootAllocator(64L << 20)) {
      for (int i = 0; i < RUNS; i++) {
        FaultPlan plan = FaultPlan.draw(FIRST_SEED + i);
        arrowRuns += plan.arrow() ? 1 : 0;
        try {
          outcomes.merge(runOnce(plan, root, slowSubscriberThread), 1, Integer::sum);
        } catch (Throwable t) {
          throw new AssertionError("run " + i + " failed; replay it with -Dsolstice.faults.seed="
              + plan.seed() + " -Dsolstice.faults.runs=1 (" + plan + "): " + t, t);
        }
      }
      assertThat(root.getAllocatedMemory()).isZero();
    } finally {
      slowSubscriberThread.dispose();
    }
    System.out.printf("fault injection: %d runs (%d on Arrow batches) in %.1f s, outcomes %s; "
        + "every run had released everything when it terminated%n",
        RUNS, arrowRuns, (System.nanoTime() - started) / 1e9, outcomes);
    if (RUNS >= 100) {
      assertThat(outcomes).as("the mix reached every kind of ending")
          .containsKeys("COMPLETED", "STOPPED_EARLY", "CANCELLED", "FAILED by train step",
              "FAILED by eval step", "FAILED by source", "FAILED by subscriber");
    }
  }

  private static String runOnce(FaultPlan plan, RootAllocator root, Scheduler slowSubscriberThread)
      throws Throwable {
    CloseLedger ledger = new CloseLedger();
    // The source data lives apart from the allocator the sources read into, so that the run's
    // allocator must be empty the moment the run terminates.
    BufferAllocator data = root.newChildAllocator("data-" + plan.seed(), 0, 16L << 20);
    BufferAllocator allocator = root.newChildAllocator("run-" + plan.seed(), 0, 16L << 20);
    List<VectorSchemaRoot> trainRoots = plan.arrow()
        ? SmallArrowData.roots(data, plan.trainBatches(), 4) : List.of();
    List<VectorSchemaRoot> valRoots = plan.arrow()
        ? SmallArrowData.roots(data, plan.valBatches(), 4) : List.of();
    OutcomeRecorder recorder = new OutcomeRecorder();
    Terminal terminal = new Terminal(plan.cancelAfterItems(), ledger, allocator);
    Throwable failure = null;
    try {
      Flux<TensorBatch> train = source(plan, "train", trainRoots, plan.trainBatches(), ledger, allocator);
      Run<FaultyExperiment, TensorBatch, MeanMetric> run = Solstice.run(new FaultyExperiment(plan, 0, 0))
          .train(train)
          .epochs(plan.epochs())
          .prefetch(plan.prefetch())
          .subscribers(recorder, new FaultySubscriber(plan));
      if (plan.valBatches() > 0) {
        run = run.validate(source(plan, "val", valRoots, plan.valBatches(), ledger, allocator));
      }
      if (plan.slowObserver()) {
        run = run.asyncSubscribers(AsyncSubscriber.<FaultyExperiment, MeanMetric>dropOldest(
                2, events -> events.doOnNext(event -> Pause.millis(1)))
            .on(slowSubscriberThread));
      }

      run.steps().subscribe(terminal);
      if (plan.cancelAfterMs() >= 0) {
        Pause.millis(plan.cancelAfterMs());
        terminal.cancelFromOutside();
      }

      assertThat(terminal.ended.await(END_WITHIN_S, TimeUnit.SECONDS))
          .as("publisher terminated or was cancelled within %d s", END_WITHIN_S).isTrue();
      RunControl control = recorder.control.get();
      if (terminal.cancelled) {
        if (control == null) {
          // A cancel that raced the start: the run's training thread either starts the run
          // (RunStarted) or skips it, and exits after its end task; then the recorder knows.
          assertThat(runThreadsGoneWithin(THREADS_GONE_WITHIN_S)).as("run threads still alive after %d s",
              THREADS_GONE_WITHIN_S).isEmpty();
          control = recorder.control.get();
        }
        if (control != null) {
          // Cancelling does not wait for the run; its terminated() signal does.
          control.terminated().block(Duration.ofSeconds(END_WITHIN_S));
        }
        terminal.snapshot();
      }
      assertThat(terminal.leftOpen).as("batches not closed exactly once at termination, of %d",
          ledger.count()).isEmpty();
      assertThat(terminal.bytesLeft).as("Arrow bytes still allocated at termination").isZero();
      assertThat(terminal.sourceAllocatorsLeft).as("source allocators still open at termination")
          .isZero();
      assertThat(runThreadsGoneWithin(THREADS_GONE_WITHIN_S)).as("run threads still alive after %d s",
          THREADS_GONE_WITHIN_S).isEmpty();
      assertThat(recorder.ends.get()).as("RunEnded deliveries")
          .isEqualTo(control == null ? 0 : 1);
      Throwable error = terminal.error.get();
      if (error != null) {
        assertThat(error).isInstanceOf(TrainingException.class);
        assertThat(error.getMessage()).matches(NAMES_MODE_AND_STEP);
      }
      return describe(recorder.outcome.get(), error, control == null);
    } catch (Throwable t) {
      failure = t;
      throw t;
    } finally {
      trainRoots.forEach(VectorSchemaRoot::close);
      valRoots.forEach(VectorSchemaRoot::close);
      try {
        data.close();
        allocator.close(); // throws IllegalStateException("Memory was leaked ...") on a leak
      } catch (RuntimeException leak) {
        if (failure == null) {
          throw leak;
        }
        failure.addSuppressed(leak); // the first failure says more
      }
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

  private static String describe(RunOutcome outcome, Throwable error, boolean neverStarted) {
    if (neverStarted) {
      return "CANCELLED before the start";
    }
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
    for (String kind : FaultPlan.EVENTS) {
      if (where.contains("injected fault in " + kind)) {
        return "FAILED by subscriber";
      }
    }
    return "FAILED otherwise";
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c != null && c.getCause() != null) {
      c = c.getCause();
    }
    return c == null ? new IllegalStateException("no error") : c;
  }

  // The engine gives its threads back when the run terminates; each marks its name idle once
  // it has run its last task, which the run does not wait for.
  private static List<String> runThreadsGoneWithin(int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<String> alive;
    do {
      alive = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        String name = t.getName();
        if (t.isAlive() && !name.endsWith(" (idle)")
            && (name.startsWith("solstice-step-") || name.startsWith("solstice-source-"))) {
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

  /** Keeps the run's control from RunStarted, and the outcome and count of RunEnded. */
  private static final class OutcomeRecorder
      implements TrainingSubscriber<FaultyExperiment, MeanMetric> {
    final AtomicReference<RunControl> control = new AtomicReference<>();
    final AtomicInteger ends = new AtomicInteger();
    final AtomicReference<RunOutcome> outcome = new AtomicReference<>();

    @Override
    public void onEvent(TrainingEvent<FaultyExperiment, MeanMetric> event) {
      if (event instanceof TrainingEvent.RunStarted<FaultyExperiment, MeanMetric> started) {
        control.set(started.run());
      } else if (event instanceof TrainingEvent.RunEnded<FaultyExperiment, MeanMetric> ended) {
        outcome.set(ended.outcome());
        ends.incrementAndGet();
      }
    }
  }

  /**
   * Requests everything, cancels after n items or on demand, and, when the run completes or
   * fails, records on the terminating thread what was still held at that moment.
   */
  private static final class Terminal
      extends BaseSubscriber<TrainingEvent.StepEnded<FaultyExperiment, MeanMetric>> {
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicReference<Throwable> error = new AtomicReference<>();
    private final int cancelAfter;
    private final CloseLedger ledger;
    private final BufferAllocator allocator;
    private int seen;
    volatile boolean cancelled;
    volatile List<String> leftOpen;
    volatile long bytesLeft = -1;
    volatile int sourceAllocatorsLeft = -1;

    Terminal(int cancelAfter, CloseLedger ledger, BufferAllocator allocator) {
      this.cancelAfter = cancelAfter;
      this.ledger = ledger;
      this.allocator = allocator;
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
    protected void hookOnNext(TrainingEvent.StepEnded<FaultyExperiment, MeanMetric> result) {
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

    void snapshot() {
      leftOpen = ledger.notClosedExactlyOnce();
      bytesLeft = allocator.getAllocatedMemory();
      sourceAllocatorsLeft = allocator.getChildAllocators().size();
    }

    @Override
    protected void hookFinally(SignalType type) {
      if (type == SignalType.CANCEL) {
        cancelled = true;
      } else {
        snapshot();
      }
      ended.countDown();
    }
  }
}
