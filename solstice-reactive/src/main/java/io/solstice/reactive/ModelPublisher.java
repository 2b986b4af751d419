package io.solstice.reactive;

import io.solstice.core.Checkpointable;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.reactive.internal.HeapState;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nd4j.linalg.api.ndarray.INDArray;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Publishes the model of a run while it trains, as a {@code Flux} of {@link ModelVersion}s, so
 * that predictors and evaluators can use it without pausing training.
 *
 * <pre>{@code
 * ModelPublisher<MlpClassifier> publisher = ModelPublisher.everySteps(10);
 * Solstice.run(model).train(batches).subscribers(publisher).steps().subscribe();
 * publisher.versions().subscribe(v -> serve(v.model()));   // a new copy every 10 steps
 * }</pre>
 *
 * <p><b>When.</b> A version is published at {@code RunStarted} (the model the run starts from),
 * after every train step that brings the number of train steps done to a multiple of {@link
 * #everySteps n} (or, with {@link #every(Duration)}, the first train step ending at least that
 * long after the previous publication), and at {@code RunEnded} unless the run failed or the last
 * step was published already. The versions complete after {@code RunEnded}. One publisher
 * serves one run.
 *
 * <p><b>Copy on publish, never blocking.</b> As a synchronous subscriber it runs on the training
 * thread, where the experiment is consistent: it copies the experiment's {@link
 * Checkpointable#state()} there, into heap memory (one memory copy per array, into the memory of
 * an earlier copy that no one reads any more when there is one), and hands the copy to a sink
 * that keeps only the latest one. The step pays for that copy, and once per run, at {@code
 * RunStarted}, for a private copy of the experiment that versions are rebuilt from. Each
 * subscriber of {@link #versions()} rebuilds its own model from the copy ({@link
 * Checkpointable#withState}) on its own thread, behind {@code onBackpressureLatest}: a slow
 * subscriber skips versions, and training never waits for it. Every subscriber gets models of
 * its own, so a model that is not thread-safe (an {@code MlpClassifier} reuses buffers) can be
 * used by several predictors at once. A late subscriber starts from the latest version (or the
 * next one, when the latest is being replaced just then).
 *
 * <p>The experiment's {@link Checkpointable#withState} must return a new experiment: one that
 * loads a state into itself and returns itself ({@code SameDiffExperiment}) is refused at {@code
 * RunStarted}, which fails the run.
 *
 * <p>Thread safety: the engine calls {@link #onEvent} on the training thread of its one run;
 * {@link #versions()} and {@link #published()} may be called from any thread.
 *
 * @param <E> the experiment type
 */
public final class ModelPublisher<E extends Checkpointable<E>> implements TrainingSubscriber<E, Object> {

  private final long everySteps;
  private final long everyNanos;
  private final Sinks.Many<Snapshot> snapshots = Sinks.many().replay().latest();
  private final AtomicLong published = new AtomicLong();
  /** Copies no one reads any more, whose memory the next publication writes over. */
  private final Queue<HeapState> free = new ConcurrentLinkedQueue<>();
  private Snapshot latest;
  private volatile E template;
  private boolean started;
  private long lastStep = -1;
  private long lastNanos;

  private ModelPublisher(long everySteps, long everyNanos) {
    this.everySteps = everySteps;
    this.everyNanos = everyNanos;
  }

  /**
   * Publishes after every {@code n} train steps.
   *
   * @param n the cadence in train steps, at least 1
   * @param <E> the experiment type
   * @return the publisher
   */
  public static <E extends Checkpointable<E>> ModelPublisher<E> everySteps(long n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    return new ModelPublisher<>(n, 0);
  }

  /**
   * Publishes after the first train step that ends at least {@code period} after the previous
   * publication.
   *
   * @param period a positive duration
   * @param <E> the experiment type
   * @return the publisher
   */
  public static <E extends Checkpointable<E>> ModelPublisher<E> every(Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    return new ModelPublisher<>(0, period.toNanos());
  }

  /**
   * The published versions, each subscriber with models of its own, rebuilt on {@link
   * Schedulers#boundedElastic()}. Replays the latest version to a new subscriber; completes after
   * the run ended.
   *
   * @return the versions
   */
  public Flux<ModelVersion<E>> versions() {
    return versions(Schedulers.boundedElastic());
  }

  /**
   * The published versions, rebuilt on {@code scheduler}.
   *
   * @param scheduler where each subscriber's models are rebuilt and delivered
   * @return the versions
   */
  public Flux<ModelVersion<E>> versions(Scheduler scheduler) {
    return snapshots.asFlux()
        // A copy superseded (and so recycled) before this subscriber saw it is skipped.
        .filter(Snapshot::tryRetain)
        .onBackpressureLatest()
        .publishOn(scheduler, 1)
        .map(this::rebuild)
        .doOnDiscard(Snapshot.class, Snapshot::release);
  }

  /**
   * The versions published so far.
   *
   * @return the count
   */
  public long published() {
    return published.get();
  }

  @Override
  public void onEvent(TrainingEvent<E, Object> event) {
    if (event instanceof TrainingEvent.RunStarted<E, Object> start) {
      if (started) {
        throw new IllegalStateException("a ModelPublisher serves one run; make a new one for this run");
      }
      started = true;
      E experiment = start.experiment();
      // A private copy to rebuild versions from: nothing trains it, so subscribers may read it
      // from their own threads.
      template = experiment.withState(experiment.state());
      if (template == experiment) {
        // Every version would be the model being trained, rebuilt from older states on other
        // threads while it trains: refused rather than silently rolled back.
        throw new IllegalArgumentException("ModelPublisher needs an experiment whose withState"
            + " returns a new experiment; " + experiment.getClass().getSimpleName()
            + " loads a state into itself (as SameDiffExperiment does)");
      }
      publish(experiment, start.position().trainSteps());
    } else if (event instanceof TrainingEvent.StepEnded<E, Object> step && step.mode() == Mode.TRAIN) {
      long done = step.globalStep() + 1;
      if (everySteps > 0 ? done % everySteps == 0 : System.nanoTime() - lastNanos >= everyNanos) {
        publish(step.experiment(), done);
      }
    } else if (event instanceof TrainingEvent.RunEnded<E, Object> end) {
      long done = end.position().trainSteps();
      if (end.outcome().status() != RunOutcome.Status.FAILED && done != lastStep) {
        publish(end.experiment(), done);
      }
      snapshots.tryEmitComplete();
    }
  }

  /** A model of the subscriber's own; withState copies what it keeps, so the arrays can go. */
  private ModelVersion<E> rebuild(Snapshot snapshot) {
    NamedArrays arrays;
    try {
      arrays = snapshot.state.toArrays();
    } finally {
      snapshot.release();
    }
    try {
      return new ModelVersion<>(snapshot.version, snapshot.step, template.withState(arrays));
    } finally {
      arrays.asMap().values().forEach(INDArray::close);
    }
  }

  private void publish(E experiment, long step) {
    HeapState copy = HeapState.of(experiment.state(), free.poll());
    lastStep = step;
    lastNanos = System.nanoTime();
    Snapshot previous = latest;
    latest = new Snapshot(published.incrementAndGet(), step, copy);
    snapshots.tryEmitNext(latest);
    if (previous != null) {
      previous.release(); // the sink no longer replays it
    }
  }

  /**
   * A copied state, as taken on the training thread, counted by its readers: the sink while it
   * is the latest, and each subscriber from receiving it until it has rebuilt its model. The
   * last release hands its memory back for the next copy; a copy a Reactor operator dropped
   * without a release is simply never reused.
   */
  private final class Snapshot {
    final long version;
    final long step;
    final HeapState state;
    private final AtomicInteger readers = new AtomicInteger(1);

    Snapshot(long version, long step, HeapState state) {
      this.version = version;
      this.step = step;
      this.state = state;
    }

    boolean tryRetain() {
      int n;
      do {
        n = readers.get();
        if (n == 0) {
          return false;
        }
      } while (!readers.compareAndSet(n, n + 1));
      return true;
    }

    void release() {
      if (readers.decrementAndGet() == 0 && free.size() < 2) {
        free.offer(state);
      }
    }
  }
}
