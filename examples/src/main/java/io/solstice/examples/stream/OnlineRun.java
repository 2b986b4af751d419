package io.solstice.examples.stream;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.examples.observe.Observers;
import io.solstice.online.drift.Resettable;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Online, test-then-train learning on a stream: the synthetic one it serves itself over Arrow
 * Flight on loopback (an unbounded {@link RotatingHyperplane}), a user's Flight endpoint or a
 * Kafka topic ({@link StreamSource}). Each batch is checked against the {@link StreamContract},
 * an online engine run ({@code Solstice.run(model).train(batches).prequential(...)}) trains the
 * {@link StreamLearner}'s model, a drift detector may watch its errors and react ({@link
 * DriftWatch}), and the prequential accuracy (cumulative, over a window, fading) is printed as it
 * runs, with how many batches the synthetic server has produced ahead of the trainer (its lead,
 * bounded by Flight backpressure and the engine's prefetch). A summary table ends the run.
 */
public final class OnlineRun {

  /**
   * How the run went.
   *
   * @param steps the train steps done
   * @param rows the rows trained on
   * @param cumulativeAccuracy the prequential accuracy over the whole run
   * @param windowAccuracy the prequential accuracy over the last window
   * @param maxLead the most batches the synthetic server was ever ahead of the trainer (0 for other sources)
   * @param maxLeadBytes the values those batches held, in bytes
   * @param drift the window accuracy around the synthetic stream's abrupt drift
   * @param drifts the drifts the detector reported
   * @param cancelled whether the run was stopped from outside (Ctrl-C)
   */
  public record Result(long steps, long rows, double cumulativeAccuracy, double windowAccuracy, long maxLead,
      long maxLeadBytes, DriftRecovery drift, List<DriftWatch.Drift> drifts, boolean cancelled) {}

  /**
   * Settings of a run.
   *
   * @param steps train steps before stopping
   * @param dimensions features per row
   * @param rows rows per batch
   * @param driftAt the step of the synthetic stream's abrupt drift
   * @param printEvery print a line every this many steps
   * @param window the prequential window in batches
   * @param seed the seed of the stream and the model
   */
  public record Settings(long steps, int dimensions, int rows, long driftAt, int printEvery, int window, long seed) {}

  /**
   * What the run reads, what it trains and how it watches for drifts.
   *
   * @param source opens the source (called once, by {@link #run}, which closes it)
   * @param contract the columns the source's batches must hold
   * @param model the model to train
   * @param drift the detector and reaction, or {@link DriftWatch#NONE}
   */
  public record Setup(Supplier<StreamSource> source, StreamContract contract, StreamLearner.Kind model,
      DriftWatch drift) {

    /**
     * The synthetic stream of the settings, an MLP and no detector.
     *
     * @param settings the settings
     * @return the setup
     */
    public static Setup synthetic(Settings settings) {
      return new Setup(
          () -> new SyntheticStream(settings.dimensions(), settings.rows(), settings.driftAt(), settings.seed()),
          StreamContract.labeled(settings.dimensions(), 2), StreamLearner.Kind.MLP, DriftWatch.NONE);
    }
  }

  private static final double FADING = 0.95;
  /** How close to the accuracy before the drift counts as recovered. */
  public static final double RECOVERY_TOLERANCE = 0.05;
  /**
   * gRPC logs through java.util.logging, not SLF4J, and warns "Stream closed before write could
   * take place" whenever a client cancels a stream, which is how every online run ends. The
   * logger is held here because java.util.logging keeps only weak references to loggers.
   */
  private static final java.util.logging.Logger GRPC_NETTY = quiet("io.grpc.netty");

  private final Settings settings;
  private final Setup setup;
  private final Observers observers;
  private final TrainingSubscriber<Object, Object> subscriber;
  private final AtomicReference<Disposable> running = new AtomicReference<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean cancelled;
  // Whether an interrupt stopped run (the calling thread's only).
  private boolean interrupted;

  /**
   * A run on the synthetic stream.
   *
   * @param settings its settings
   */
  public OnlineRun(Settings settings) {
    this(settings, Setup.synthetic(settings), Observers.NONE, null);
  }

  /**
   * A run on the synthetic stream watched by a Prometheus endpoint or a dashboard, with one more
   * subscriber of its events (a {@code TensorBoardLogger}, say).
   *
   * @param settings its settings
   * @param observers what its events feed
   * @param subscriber a synchronous subscriber of the run's events, or null for none
   */
  public OnlineRun(Settings settings, Observers observers, TrainingSubscriber<Object, Object> subscriber) {
    this(settings, Setup.synthetic(settings), observers, subscriber);
  }

  /**
   * A run.
   *
   * @param settings its settings ({@code driftAt} negative when the stream's drifts are not known)
   * @param setup what it reads and trains
   * @param observers what its events feed
   * @param subscriber a synchronous subscriber of the run's events, or null for none
   */
  public OnlineRun(Settings settings, Setup setup, Observers observers, TrainingSubscriber<Object, Object> subscriber) {
    this.settings = settings;
    this.setup = setup;
    this.observers = observers;
    this.subscriber = subscriber;
  }

  /**
   * Stops the run from another thread (for example a shutdown hook) and waits up to
   * {@code timeoutMillis} for it to have released everything.
   *
   * @param timeoutMillis how long to wait
   * @throws InterruptedException when interrupted while waiting
   */
  public void cancel(long timeoutMillis) throws InterruptedException {
    cancelled = true;
    Disposable d = running.get();
    if (d != null) {
      d.dispose();
    }
    finished.await(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  /**
   * Runs until {@link Settings#steps}, the end of the stream, {@link #cancel} or an interrupt of
   * the calling thread, which stops the run as {@code cancel} does: the run returns its result once
   * everything is released, with the thread's interrupt status set.
   *
   * @param out where the progress lines go
   * @return how it went
   */
  public Result run(PrintStream out) {
    try {
      return openAndTrain(out);
    } finally {
      finished.countDown();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Result openAndTrain(PrintStream out) {
    BufferAllocator allocator = new RootAllocator();
    try (StreamSource source = setup.source().get()) {
      out.println(source.describe());
      StreamLearner<?, ?> learner = StreamLearner.of(setup.model(), setup.contract().width(),
          setup.contract().classes(), settings.seed());
      return train(out, source, learner, allocator);
    } finally {
      // The run has released everything when train returns, and closing the source (a server
      // waits for its streams) comes first: a leak fails here.
      allocator.close();
    }
  }

  private <E extends Experiment<E, B, ClassificationMetrics> & Checkpointable<E>, B> Result train(PrintStream out,
      StreamSource source, StreamLearner<E, B> learner, BufferAllocator allocator) {
    boolean synthetic = source.produced() >= 0;
    DriftRecovery recovery = new DriftRecovery(settings.driftAt(), RECOVERY_TOLERANCE);
    long[] maxLead = {0};
    // Written by the run's subscribers, read by the dashboard's sampler and at the end.
    AtomicLong trained = new AtomicLong();
    AtomicLong rows = new AtomicLong();
    AtomicLong stepsCounted = new AtomicLong();
    double[] accuracy = {Double.NaN, Double.NaN};
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<RunControl> control = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamContract contract = setup.contract();
    Flux<B> batches = source.batches(allocator)
        .map(batch -> contract.conform(batch, allocator))
        .map(learner.toBatch());
    Run<Resettable<E, B, ClassificationMetrics>, B, ClassificationMetrics> online = Solstice.run(learner.model())
        .train(batches)
        .prequential(settings.window(), FADING)
        .maxSteps(settings.steps())
        .prefetch(4);
    for (TrainingSubscriber<Object, Object> required : source.subscribers()) {
      online = online.subscribers(required);
    }
    // Counts steps and rows on the training thread, before the drift reaction reads them
    // (synchronous subscribers run in this order).
    online = online.subscribers(event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> step && step.mode() == Mode.TRAIN
          && step.outputs() instanceof ClassificationMetrics m) {
        stepsCounted.incrementAndGet();
        rows.addAndGet(m.count());
      }
    });
    DriftWatch watch = setup.drift();
    // Drifts are reported on the training thread; their lines wait for their step's progress on
    // the events thread, so that the output stays in step order.
    Queue<DriftLine> driftLines = new ConcurrentLinkedQueue<>();
    DriftWatch.Log log = new DriftWatch.Log(drift -> {
      long step = stepsCounted.get() - 1;
      observers.mark("drift detected", step);
      driftLines.add(new DriftLine(step, String.format(Locale.ROOT, "%8s  -- %s reported a drift at row %d (step %d): %s --",
          "", watch.detector().option(), drift.row(), step, watch.describeReaction())));
    });
    if (watch.active()) {
      var keeper = watch.<E, B>keeper();
      if (keeper != null) {
        online = online.subscribers(keeper);
      }
      online = online.subscribers(watch.subscriber(learner, rows::get, log));
    }
    if (subscriber != null) {
      online = online.subscribers(subscriber);
    }
    out.printf(Locale.ROOT, "Training %s%s%n", learner.description(), watch.active()
        ? "; " + watch.detector().option() + " watches its " + (learner.perRow() ? "per-row errors" : "error rate per batch")
            + ", on a drift: " + watch.describeReaction()
        : "");
    out.printf(Locale.ROOT, "%8s %12s %10s %10s %14s%n", "step", "cumulative", "window", "fading",
        synthetic ? "server lead" : "rows");
    if (synthetic) {
      observers.gauge("server lead (batches)", () -> source.produced() - trained.get());
    }
    Disposable run = observers.attach(online)
        .events()
        .doOnNext(event -> control.compareAndSet(null, event.run()))
        .doFinally(signal -> done.countDown())
        .subscribe(event -> {
          if (event instanceof TrainingEvent.StepEnded<Resettable<E, B, ClassificationMetrics>, ClassificationMetrics> r
              && r.mode() == Mode.TRAIN) {
            PrequentialMetrics<ClassificationMetrics> p = r.prequential();
            long step = r.globalStep();
            long lead = source.produced() - (step + 1);
            maxLead[0] = Math.max(maxLead[0], lead);
            trained.set(step + 1);
            accuracy[0] = accuracy(p.cumulative());
            accuracy[1] = accuracy(p.window());
            double fading = p.fading().getOrDefault("accuracy", Double.NaN);
            if (settings.driftAt() >= 0) {
              recovery.accept(step, accuracy[1]);
            }
            if (step == settings.driftAt()) {
              observers.mark("abrupt drift", step);
              out.printf(Locale.ROOT, "%8s  -- abrupt drift at step %d: the hyperplane flips, every label inverts --%n",
                  "", step);
            }
            printDrifts(out, driftLines, step);
            if ((step + 1) % settings.printEvery() == 0) {
              out.printf(Locale.ROOT, "%8d %12.4f %10.4f %10.4f %8d %s%n", step + 1, accuracy[0], accuracy[1], fading,
                  synthetic ? lead : p.cumulative().count(), synthetic ? "batches" : "rows");
            }
          }
        }, failure::set);
    running.set(run);
    if (cancelled) {
      run.dispose();
    }
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        // An interrupt stops the run as cancel does: it lets go of everything before this
        // returns, and the interrupt status is set again once it has (see run).
        interrupted = true;
        cancelled = true;
        run.dispose();
      }
    }
    // A cancel (Ctrl-C) returns before the run has let go of its batches and of its source; the
    // run's terminated() signal says when it has. A run that ended by itself has.
    RunControl started = control.get();
    if (started != null) {
      started.terminated().block(java.time.Duration.ofSeconds(60));
    }
    printDrifts(out, driftLines, Long.MAX_VALUE);
    if (failure.get() != null) {
      throw reactor.core.Exceptions.propagate(failure.get());
    }
    long bytes = source instanceof SyntheticStream s ? maxLead[0] * s.bytesPerBatch() : 0;
    Result result = new Result(trained.get(), rows.get(), accuracy[0], accuracy[1], synthetic ? maxLead[0] : 0, bytes,
        recovery, log.drifts(), cancelled);
    new RunSummary(result, settings, watch).print(out, synthetic);
    return result;
  }

  /** A drift's line, printed with the progress of its step. */
  private record DriftLine(long step, String text) {}

  private static void printDrifts(PrintStream out, Queue<DriftLine> lines, long upToStep) {
    for (DriftLine line = lines.peek(); line != null && line.step() <= upToStep; line = lines.peek()) {
      out.println(lines.poll().text());
    }
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.SEVERE);
    return logger;
  }

  private static double accuracy(ClassificationMetrics m) {
    return m.compute().get("accuracy");
  }
}
