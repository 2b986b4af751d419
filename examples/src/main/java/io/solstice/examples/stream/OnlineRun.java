package io.solstice.examples.stream;

import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.FlightBatchServer;
import io.solstice.arrow.ReadOptions;
import io.solstice.core.Mode;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.core.models.MlpClassifier;
import io.solstice.examples.data.LabeledArrowFile;
import io.solstice.examples.observe.Observers;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.Run;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.Disposable;

/**
 * Online training on a synthetic stream that this class serves itself: an in-process Arrow
 * Flight server on loopback serves an unbounded {@link RotatingHyperplane}, the client reads it
 * with {@link ArrowSources#flight}, an online engine run ({@code Solstice.run(model)
 * .train(flight).prequential(...)}) trains test-then-train, and the prequential accuracy
 * (cumulative, over a window, fading) is printed as it runs together with how many batches the
 * server has produced ahead of the trainer (its lead, bounded by Flight backpressure and the
 * engine's prefetch).
 */
public final class OnlineRun {

  /**
   * How the run went.
   *
   * @param steps the train steps done
   * @param cumulativeAccuracy the prequential accuracy over the whole run
   * @param maxLead the most batches the server was ever ahead of the trainer
   * @param maxLeadBytes the values those batches held, in bytes
   * @param drift the accuracy around the abrupt drift
   * @param cancelled whether the run was stopped from outside (Ctrl-C)
   */
  public record Result(
      long steps, double cumulativeAccuracy, long maxLead, long maxLeadBytes, DriftRecovery drift, boolean cancelled) {}

  /**
   * Settings of a run.
   *
   * @param steps train steps before stopping
   * @param dimensions features per row
   * @param rows rows per batch
   * @param driftAt the step of the abrupt drift
   * @param printEvery print a line every this many steps
   * @param window the prequential window in batches
   * @param seed the seed of the stream and the model
   */
  public record Settings(long steps, int dimensions, int rows, long driftAt, int printEvery, int window, long seed) {}

  private static final Ticket TICKET = new Ticket("rotating-hyperplane".getBytes(StandardCharsets.UTF_8));
  private static final double FADING = 0.95;
  /** The model's hidden layer size. */
  public static final int HIDDEN = 32;
  /** Adam's learning rate. */
  public static final double LEARNING_RATE = 1e-2;
  /**
   * gRPC logs through java.util.logging, not SLF4J, and warns "Stream closed before write could
   * take place" whenever a client cancels a stream, which is how every online run ends. The
   * logger is held here because java.util.logging keeps only weak references to loggers.
   */
  private static final java.util.logging.Logger GRPC_NETTY = quiet("io.grpc.netty");

  private final Settings settings;
  private final Observers observers;
  private final TrainingSubscriber<Object, Object> subscriber;
  private final AtomicReference<Disposable> running = new AtomicReference<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean cancelled;
  // Whether an interrupt stopped run (the calling thread's only).
  private boolean interrupted;

  /**
   * A run.
   *
   * @param settings its settings
   */
  public OnlineRun(Settings settings) {
    this(settings, Observers.NONE, null);
  }

  /**
   * A run watched by a Prometheus endpoint or a dashboard, with one more subscriber of its events
   * (a {@code TensorBoardLogger}, say).
   *
   * @param settings its settings
   * @param observers what its events feed
   * @param subscriber a synchronous subscriber of the run's events, or null for none
   */
  public OnlineRun(Settings settings, Observers observers, TrainingSubscriber<Object, Object> subscriber) {
    this.settings = settings;
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
   * Runs until {@link Settings#steps}, {@link #cancel} or an interrupt of the calling thread,
   * which stops the run as {@code cancel} does: the run returns its result once everything is
   * released, with the thread's interrupt status set.
   *
   * @param out where the progress lines go
   * @return how it went
   */
  public Result run(PrintStream out) {
    try {
      return serveAndTrain(out);
    } finally {
      finished.countDown();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Result serveAndTrain(PrintStream out) {
    RotatingHyperplane stream = new RotatingHyperplane(
        settings.dimensions(), settings.rows(), Math.PI / 2000, settings.driftAt(), 0.02, settings.seed());
    AtomicLong produced = new AtomicLong();
    BufferAllocator serverAllocator = new RootAllocator();
    BufferAllocator clientAllocator = new RootAllocator();
    try (FlightBatchServer server = FlightBatchServer.builder(serverAllocator,
            ticket -> stream.batches(serverAllocator, produced))
        .backpressureBytes(64 * 1024)
        .start()) {
      out.printf(Locale.ROOT, "Serving a rotating hyperplane (%d features, %d rows per batch, abrupt drift at step %d) "
          + "over Arrow Flight at %s%n", settings.dimensions(), settings.rows(), settings.driftAt(), server.location().getUri());
      return train(out, server, clientAllocator, produced, stream.bytesPerBatch());
    } finally {
      // The run has released everything when train returns, and closing the server waits for
      // its streams: a leak fails here.
      clientAllocator.close();
      serverAllocator.close();
    }
  }

  private Result train(PrintStream out, FlightBatchServer server, BufferAllocator allocator, AtomicLong produced,
      long bytesPerBatch) {
    FeatureSpec spec = FeatureSpec.builder()
        .features(LabeledArrowFile.FEATURES).width(settings.dimensions())
        .label(LabeledArrowFile.LABEL).numClasses(2)
        .build();
    MlpClassifier model = MlpClassifier.builder()
        .inputs(settings.dimensions()).hidden(HIDDEN).classes(2)
        .updater(new Adam(LEARNING_RATE)).seed(settings.seed())
        .build();
    DriftRecovery drift = new DriftRecovery(settings.driftAt(), 0.05);
    long[] maxLead = {0};
    // Written by the run's subscriber, read by the dashboard's sampler.
    AtomicLong trained = new AtomicLong();
    double[] cumulative = {Double.NaN};
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<RunControl> control = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    out.printf(Locale.ROOT, "%8s %12s %10s %10s %14s%n", "step", "cumulative", "window", "fading", "server lead");
    Run<MlpClassifier, TensorBatch, ClassificationMetrics> online = Solstice.run(model)
        .train(ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
            .map(spec::toTensors))
        .prequential(settings.window(), FADING)
        .maxSteps(settings.steps())
        .prefetch(4);
    if (subscriber != null) {
      online = online.subscribers(subscriber);
    }
    observers.gauge("server lead (batches)", () -> produced.get() - trained.get());
    Disposable run = observers.attach(online)
        .events()
        .doOnNext(event -> control.compareAndSet(null, event.run()))
        .doFinally(signal -> done.countDown())
        .subscribe(event -> {
          if (event instanceof TrainingEvent.StepEnded<MlpClassifier, ClassificationMetrics> r
              && r.mode() == Mode.TRAIN) {
            PrequentialMetrics<ClassificationMetrics> p = r.prequential();
            long step = r.globalStep();
            long lead = produced.get() - (step + 1);
            maxLead[0] = Math.max(maxLead[0], lead);
            trained.set(step + 1);
            cumulative[0] = accuracy(p.cumulative());
            double fading = p.fading().getOrDefault("accuracy", Double.NaN);
            drift.accept(step, fading);
            if (step == settings.driftAt()) {
              observers.mark("abrupt drift", step);
              out.printf(Locale.ROOT, "%8s  -- abrupt drift at step %d: the hyperplane flips, every label inverts --%n",
                  "", step);
            }
            if ((step + 1) % settings.printEvery() == 0) {
              out.printf(Locale.ROOT, "%8d %12.4f %10.4f %10.4f %8d batches%n",
                  step + 1, cumulative[0], accuracy(p.window()), fading, lead);
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
    // A cancel (Ctrl-C) returns before the run has let go of its batches and of the Flight
    // stream; the run's terminated() signal says when it has. A run that ended by itself has.
    RunControl started = control.get();
    if (started != null) {
      started.terminated().block(java.time.Duration.ofSeconds(60));
    }
    if (failure.get() != null) {
      throw reactor.core.Exceptions.propagate(failure.get());
    }
    summarize(out, drift, maxLead[0], maxLead[0] * bytesPerBatch, trained.get());
    return new Result(trained.get(), cumulative[0], maxLead[0], maxLead[0] * bytesPerBatch, drift, cancelled);
  }

  private void summarize(PrintStream out, DriftRecovery drift, long maxLead, long leadBytes, long steps) {
    out.printf(Locale.ROOT, "%s after %d steps; the server was at most %d batches (%d KiB) ahead of the trainer: "
        + "backpressure bounds it by bytes in flight (the Flight send buffer and HTTP/2 window, plus the engine's "
        + "prefetch), however fast the source%n", cancelled ? "Stopped" : "Done", steps, maxLead, leadBytes / 1024);
    if (Double.isNaN(drift.lowest())) {
      out.println("The run ended before the drift.");
    } else if (drift.recoveredAt() >= 0) {
      out.printf(Locale.ROOT, "Drift at step %d: fading accuracy %.4f before, fell to %.4f, recovered at step %d "
          + "(%d steps later)%n", drift.driftAt(), drift.before(), drift.lowest(), drift.recoveredAt(),
          drift.recoveredAt() - drift.driftAt());
    } else {
      out.printf(Locale.ROOT, "Drift at step %d: fading accuracy %.4f before, fell to %.4f, not yet recovered%n",
          drift.driftAt(), drift.before(), drift.lowest());
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
