package io.solstice.reactive;

import io.solstice.core.Callback;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.reactive.internal.CallbackSubscriber;
import io.solstice.reactive.internal.Engine;
import io.solstice.reactive.internal.RunSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One run, as a value: the experiment to start from, its sources, cadence, limits, threads and
 * subscribers. Made by {@link Solstice#run}; every setter returns a new {@code Run} and leaves
 * this one unchanged, so a run can be shared, varied and tested. Nothing happens until a
 * terminal view is subscribed, and <b>every subscription is a new, independent run</b>.
 *
 * <pre>{@code
 * MlpClassifier trained = Solstice.run(model)
 *     .train(trainBatches).validate(valBatches).epochs(30)
 *     .subscribers(LoggingCallback.atEpochEnd().build(), EarlyStopping.monitor("loss").build())
 *     .block();
 * }</pre>
 *
 * <p>Three kinds of run share this one specification:
 *
 * <ul>
 *   <li><b>training</b> ({@link #train}): {@link #epochs} epochs over a source subscribed again
 *       for each epoch, with validation at a cadence in epochs or steps;
 *   <li><b>online</b>: the same over a source that may never complete (one epoch, the default),
 *       with cadence in steps and optional {@link #prequential} evaluation; it lasts until the
 *       source completes, a limit or a stop ends it, or the subscriber cancels;
 *   <li><b>test</b> ({@link #test}): one TEST epoch of {@code evalStep}s.
 * </ul>
 *
 * <p>Terminal views of the run: {@link #events()} (everything), {@link #steps()} (the step
 * results), {@link #experiment()} (the final experiment), {@link #metrics()} (a test run's
 * merged outputs) and {@link #block()}.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public final class Run<E extends Experiment<E, B, O>, B, O> {

  private final E experiment;
  private final RunSettings settings;

  Run(E experiment, RunSettings settings) {
    this.experiment = Objects.requireNonNull(experiment, "experiment");
    this.settings = settings;
  }

  private Run<E, B, O> with(Consumer<RunSettings> change) {
    RunSettings copy = settings.copy();
    change.accept(copy);
    return new Run<>(experiment, copy);
  }

  // ------------------------------------------------------------------ sources

  /**
   * Trains on {@code source}: subscribed again for each epoch (cold). An online run is a run
   * over a source that never completes.
   *
   * @param source the train batches
   * @return the new run
   */
  public Run<E, B, O> train(Publisher<? extends B> source) {
    Objects.requireNonNull(source, "source");
    if (settings.testSource != null) {
      throw new IllegalStateException("a run either trains or tests; this one tests already");
    }
    return with(s -> s.trainSource = source);
  }

  /**
   * Validates on {@code source} at the validation cadence ({@link #validateEveryEpochs},
   * {@link #validateEverySteps}); subscribed again for each validation.
   *
   * @param source the validation batches
   * @return the new run
   */
  public Run<E, B, O> validate(Publisher<? extends B> source) {
    return with(s -> s.valSource = Objects.requireNonNull(source, "source"));
  }

  /**
   * Makes this a test run: one TEST epoch of {@code evalStep}s over {@code source}. Its merged
   * outputs are {@link #metrics()}.
   *
   * @param source the test batches
   * @return the new run
   */
  public Run<E, B, O> test(Publisher<? extends B> source) {
    Objects.requireNonNull(source, "source");
    if (settings.trainSource != null) {
      throw new IllegalStateException("a run either trains or tests; this one trains already");
    }
    return with(s -> s.testSource = source);
  }

  // ------------------------------------------------------------------ cadence and limits

  /**
   * The number of train epochs (default 1). A run resumed in epoch {@code k} runs the epochs
   * from {@code k} to {@code n - 1}.
   *
   * @param n at least 0
   * @return the new run
   */
  public Run<E, B, O> epochs(int n) {
    return with(s -> s.epochs = (int) atLeast("epochs", n, 0));
  }

  /**
   * The backpressure contract: how many batches are requested from a source ahead of the step
   * (default 4), replenished one by one as the step takes them. At most {@code prefetch + 2}
   * batches of a source subscription are alive at once, whatever the source's speed. A source
   * already in memory ({@code Flux.fromIterable} of a collection, {@code Flux.fromArray}, {@code
   * Flux.just}) is not read ahead: the training thread takes its batches one at a time, without
   * the reader thread and the two hand-overs per batch that reading ahead would cost.
   *
   * @param batches at least 1
   * @return the new run
   */
  public Run<E, B, O> prefetch(int batches) {
    return with(s -> s.prefetch = (int) atLeast("prefetch", batches, 1));
  }

  /**
   * Validate after every {@code n} train epochs (default 1); 0 turns epoch cadence off.
   *
   * @param n the cadence in epochs, at least 0
   * @return the new run
   */
  public Run<E, B, O> validateEveryEpochs(int n) {
    return with(s -> s.validateEveryEpochs = (int) atLeast("validateEveryEpochs", n, 0));
  }

  /**
   * Validate after every {@code n} train steps (the cadence for unbounded sources); turns epoch
   * cadence off unless {@link #validateEveryEpochs} is set afterwards. 0 (the default) turns step
   * cadence off.
   *
   * @param n the cadence in train steps, at least 0
   * @return the new run
   */
  public Run<E, B, O> validateEverySteps(long n) {
    return with(s -> {
      s.validateEverySteps = atLeast("validateEverySteps", n, 0);
      if (n > 0) {
        s.validateEveryEpochs = 0;
      }
    });
  }

  /**
   * Train on at most {@code n} batches per epoch; the source is cancelled after the n-th.
   *
   * @param n at least 1
   * @return the new run
   */
  public Run<E, B, O> limitTrainBatches(long n) {
    return with(s -> s.limitTrainBatches = atLeast("limitTrainBatches", n, 1));
  }

  /**
   * Validate on at most {@code n} batches per validation.
   *
   * @param n at least 1
   * @return the new run
   */
  public Run<E, B, O> limitValBatches(long n) {
    return with(s -> s.limitValBatches = atLeast("limitValBatches", n, 1));
  }

  /**
   * Stop the run (as an early stop) once the train step counter, which includes the steps of a
   * resumed position, reaches {@code n}.
   *
   * @param n at least 1
   * @return the new run
   */
  public Run<E, B, O> maxSteps(long n) {
    return with(s -> s.maxSteps = atLeast("maxSteps", n, 1));
  }

  /**
   * Stop the run (as an early stop) at the first step boundary after {@code limit} has passed
   * since it was subscribed; the step in progress is never interrupted.
   *
   * @param limit a positive duration
   * @return the new run
   */
  public Run<E, B, O> maxTime(Duration limit) {
    if (limit.isNegative() || limit.isZero()) {
      throw new IllegalArgumentException("maxTime must be positive, was " + limit);
    }
    return with(s -> s.maxTime = limit);
  }

  /**
   * The scheduler whose timer measures {@link #maxTime}; by default {@link
   * Schedulers#parallel()} looked up at subscription, so {@code StepVerifier.withVirtualTime}
   * controls it.
   *
   * @param timer the scheduler
   * @return the new run
   */
  public Run<E, B, O> timer(Scheduler timer) {
    return with(s -> s.timer = Objects.requireNonNull(timer, "timer"));
  }

  /**
   * What to do when a batch's features or a step's loss hold NaN or infinity (default {@link
   * NonFinitePolicy#FAIL}).
   *
   * @param policy the policy
   * @return the new run
   */
  public Run<E, B, O> nonFinite(NonFinitePolicy policy) {
    return with(s -> s.nonFinite = Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Starts the run at a saved position: in {@code position.epoch()}, skipping (and closing) the
   * first {@code position.batchesIntoEpoch()} train batches of that epoch, with step numbering
   * continuing from {@code position.trainSteps()} and {@code position.valSteps()}, and the
   * position's {@linkplain RunPosition#engineState engine state} continued: the merge of that
   * epoch's train outputs and the prequential figures go on, and a step-cadence validation a stop
   * cut short runs again, whole, before the first train step. The experiment of the run is the
   * one restored from the same checkpoint.
   *
   * @param position the position, usually from a checkpoint or a {@code RunEnded}
   * @return the new run
   */
  public Run<E, B, O> resumeFrom(RunPosition position) {
    return with(s -> s.resumeFrom = Objects.requireNonNull(position, "position"));
  }

  /**
   * Evaluates each train batch with {@code evalStep} before training on it (test-then-train, as
   * MOA and River do) and reports the metrics cumulative, over a sliding window and with a
   * fading factor in {@link TrainingEvent.StepEnded#prequential()}. The outputs of {@code
   * evalStep} must be {@link io.solstice.core.metrics.Metrics}.
   *
   * @param windowSize the sliding window in batches, at least 1
   * @param fadingFactor alpha in (0, 1]
   * @return the new run
   */
  public Run<E, B, O> prequential(int windowSize, double fadingFactor) {
    Prequential.validate(windowSize, fadingFactor);
    return with(s -> {
      s.prequential = true;
      s.windowSize = windowSize;
      s.fadingFactor = fadingFactor;
    });
  }

  // ------------------------------------------------------------------ threads

  /**
   * Makes the one training thread of each run (to set its name, priority or a device affinity);
   * that thread ends with the run. By default a run borrows a daemon thread for its whole life
   * from a cache of idle threads, named {@code solstice-step-N} while the run holds it and
   * {@code solstice-step-N (idle)} after, which ends when no run has taken it for 30 s: runs in
   * quick succession skip starting a thread.
   *
   * @param factory the thread factory
   * @return the new run
   */
  public Run<E, B, O> stepThreadFactory(ThreadFactory factory) {
    Objects.requireNonNull(factory, "factory");
    if (settings.stepLanes != null) {
      throw new IllegalStateException("this run takes its threads from a RunThreadPool; a step thread factory "
          + "makes threads of the run's own: give one or the other");
    }
    return with(s -> s.stepThreadFactory = factory);
  }

  /**
   * Takes the run's training thread and source reader from a pool shared with other runs instead
   * of threads of its own (see {@link RunThreadPool}); the run does not close the pool.
   *
   * @param pool the pool
   * @return the new run
   */
  public Run<E, B, O> threadPool(RunThreadPool pool) {
    Objects.requireNonNull(pool, "pool");
    if (settings.stepThreadFactory != null) {
      throw new IllegalStateException("this run makes its training thread with a step thread factory; a "
          + "RunThreadPool shares threads between runs: give one or the other");
    }
    return with(s -> {
      s.stepLanes = pool.steps;
      s.readerLanes = pool.readers;
    });
  }

  // ------------------------------------------------------------------ subscribers

  /**
   * Adds synchronous subscribers, called on the training thread in registration order (after
   * those added before).
   *
   * @param subscribers the subscribers
   * @return the new run
   */
  @SafeVarargs
  public final Run<E, B, O> subscribers(TrainingSubscriber<? super E, ? super O>... subscribers) {
    List<TrainingSubscriber<?, ?>> all = new ArrayList<>(settings.subscribers);
    for (TrainingSubscriber<? super E, ? super O> subscriber : subscribers) {
      all.add(Objects.requireNonNull(subscriber, "subscriber"));
    }
    List<TrainingSubscriber<?, ?>> frozen = List.copyOf(all);
    return with(s -> s.subscribers = frozen);
  }

  /**
   * Adds callbacks written against the original four-hook {@link Callback} interface, as
   * synchronous subscribers (in registration order with the others): {@code RunStarted} calls
   * nothing, {@code EpochStarted}, {@code StepStarted}, {@code StepEnded} and {@code EpochEnded}
   * call the hook of the same name, {@code RunEnded} calls {@code onRunEnd}.
   *
   * @param callbacks the callbacks
   * @return the new run
   */
  @SafeVarargs
  public final Run<E, B, O> callbacks(Callback<? super E, ? super B, ? super O>... callbacks) {
    Run<E, B, O> run = this;
    for (Callback<? super E, ? super B, ? super O> callback : callbacks) {
      run = run.subscribers(new CallbackSubscriber<E, B, O>(callback));
    }
    return run;
  }

  /**
   * Adds asynchronous subscribers: they never stall the step (see {@link AsyncSubscriber}).
   *
   * @param subscribers the subscribers
   * @return the new run
   */
  @SafeVarargs
  public final Run<E, B, O> asyncSubscribers(AsyncSubscriber<? super E, ? super O>... subscribers) {
    List<AsyncSubscriber<?, ?>> all = new ArrayList<>(settings.asyncSubscribers);
    for (AsyncSubscriber<? super E, ? super O> subscriber : subscribers) {
      all.add(Objects.requireNonNull(subscriber, "subscriber"));
    }
    List<AsyncSubscriber<?, ?>> frozen = List.copyOf(all);
    return with(s -> s.asyncSubscribers = frozen);
  }

  // ------------------------------------------------------------------ terminal views

  /**
   * Every event of the run, in order, emitted on the training thread after the synchronous
   * subscribers handled it. Backpressure flows to the run: no further step starts while this
   * subscriber has no demand. Cold: each subscription is a new run.
   *
   * @return the events; the run's error (a {@link TrainingException}) terminates it
   */
  public Flux<TrainingEvent<E, O>> events() {
    if (settings.trainSource == null && settings.testSource == null) {
      throw new IllegalStateException(
          "nothing to run: give the run a source with train(...) or test(...)");
    }
    return Flux.defer(() -> new Engine<E, B, O>(experiment, settings).events());
  }

  /**
   * The step results of the run (train and val steps, or test steps), the {@link
   * TrainingEvent.StepEnded} events of {@link #events()}.
   *
   * @return the step results, emitted on the training thread
   */
  @SuppressWarnings("unchecked")
  public Flux<TrainingEvent.StepEnded<E, O>> steps() {
    return events()
        .filter(TrainingEvent.StepEnded.class::isInstance)
        .map(event -> (TrainingEvent.StepEnded<E, O>) event);
  }

  /**
   * Runs and emits the final experiment: the one returned by the last step that ran (after an
   * early stop, the one so far).
   *
   * @return the final experiment
   */
  public Mono<E> experiment() {
    return events()
        .filter(TrainingEvent.RunEnded.class::isInstance)
        .map(TrainingEvent::experiment)
        .last();
  }

  /**
   * Runs a {@link #test} run and emits its step outputs merged over the TEST epoch (the merge
   * the engine carries on its {@link TrainingEvent.EpochEnded}, never a list of outputs); empty
   * when the source had no batch. The outputs must be {@link io.solstice.core.metrics.Metrics}.
   *
   * @return the merged outputs
   */
  @SuppressWarnings("unchecked")
  public Mono<O> metrics() {
    if (settings.testSource == null) {
      throw new IllegalStateException("metrics() merges a test run's outputs; give the run a "
          + "source with test(...) (a training run's merged metrics are on its EpochEnded and "
          + "ValidationEnded events)");
    }
    return events()
        .filter(e -> e instanceof TrainingEvent.EpochEnded<?, ?> end && end.mode() == Mode.TEST)
        .mapNotNull(e -> ((TrainingEvent.EpochEnded<E, O>) e).metrics())
        // Not next(): that would cancel the run before it released its sources.
        .reduce((only, none) -> only);
  }

  /**
   * Runs and waits: {@code experiment().block()}, with the run's error rethrown as is (a {@link
   * TrainingException}).
   *
   * @return the final experiment
   * @throws TrainingException when the run failed
   */
  public E block() {
    return experiment().block();
  }

  private static long atLeast(String name, long n, long min) {
    if (n < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", was " + n);
    }
    return n;
  }
}
