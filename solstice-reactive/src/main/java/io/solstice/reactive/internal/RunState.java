package io.solstice.reactive.internal;

import io.solstice.core.EarlyStoppingException;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.reactive.Prequential;
import io.solstice.reactive.RunControl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The loop counters, the current experiment and the control of one run. The counters are
 * confined to the training thread; a stop may be requested from any thread.
 *
 * @param <E> the experiment type
 */
final class RunState<E> implements RunControl {

  private static final AtomicLong RUN_IDS = new AtomicLong();
  /** The engine-state entry for a step-cadence validation cut short, and its value. */
  private static final String VALIDATION = "validation";
  private static final String CADENCE_VALIDATION_DUE = "due at the step cadence";

  private final long id = RUN_IDS.incrementAndGet();
  private final Sinks.Empty<Void> terminated = Sinks.empty();
  private final List<Announced> announced = new ArrayList<>();
  private final IntSupplier batchesInFlight;
  private final int prefetch;
  /** What the run sums as it goes; a checkpoint saves it with the position. */
  final RunTotals totals;
  E experiment;
  int epoch;
  Mode mode = Mode.TRAIN;
  long trainSteps;
  long valSteps;
  long testSteps;
  long batchesIntoEpoch;
  long skippedBatches;
  // The train epoch has ended; and with its validation (if one was due) it is complete, so a
  // resumed run would start at the next epoch.
  boolean trainEpochEnded;
  boolean epochComplete;
  // A validation has started and not run to its end (it is running, or a stop cut it short): the
  // one after the train epoch, or one at a step cadence. A resumed run repeats it whole, so until
  // it ends the position counts none of its val steps, and the run's last experiment is the one
  // it started from.
  private boolean validationOpen;
  private boolean openValidationAtCadence;
  private long valStepsBeforeValidation;
  private E experimentBeforeValidation;
  // The run resumed where a step-cadence validation had been cut short: it runs that validation
  // again before its first train step (consumed by the engine).
  boolean resumedInsideCadenceValidation;
  volatile boolean timeUp;
  private volatile boolean stopped;
  private Throwable stopReason;

  /** What a subscriber announced, waiting to become an event: a checkpoint or a signal. */
  sealed interface Announced permits Checkpoint, Signal {}

  /** A checkpoint a subscriber wrote. */
  record Checkpoint(Path path, RunPosition position) implements Announced {}

  /** A signal a subscriber raised. */
  record Signal(String name, Object detail) implements Announced {}

  RunState(E experiment, RunPosition start, IntSupplier batchesInFlight, int prefetch,
      Prequential<?> prequential) {
    this.experiment = experiment;
    this.totals = new RunTotals(start, prequential);
    this.resumedInsideCadenceValidation =
        CADENCE_VALIDATION_DUE.equals(start.engineState().get(VALIDATION));
    this.batchesInFlight = batchesInFlight;
    this.prefetch = prefetch;
    this.epoch = start.epoch();
    // Until the first epoch starts (a stop or cancel at RunStarted), the run is where it resumed.
    this.batchesIntoEpoch = start.batchesIntoEpoch();
    this.trainSteps = start.trainSteps();
    this.valSteps = start.valSteps();
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public int batchesInFlight() {
    return batchesInFlight.getAsInt();
  }

  @Override
  public int prefetch() {
    return prefetch;
  }

  @Override
  public void stop(String reason) {
    requestStop(new EarlyStoppingException(reason));
  }

  @Override
  public boolean isStopping() {
    if (timeUp) {
      requestStop(null);
    }
    return stopped;
  }

  @Override
  public RunPosition withEngineState(RunPosition position) {
    Map<String, Object> state = new LinkedHashMap<>(totals.save(position));
    // The position of an open validation is its start; at a step cadence, nothing else in the
    // counters tells the resumed run to run it (the epoch's own is due after the epoch anyway).
    // A run that resumed there and stopped before repeating it still owes it.
    boolean cadenceValidationDue = validationOpen && openValidationAtCadence
        || resumedInsideCadenceValidation;
    if (cadenceValidationDue && position.equals(position())) {
      state.put(VALIDATION, CADENCE_VALIDATION_DUE);
    }
    return position.withEngineState(state);
  }

  @Override
  public synchronized void checkpointWritten(Path path, RunPosition position) {
    announced.add(new Checkpoint(path, position));
  }

  @Override
  public synchronized void raise(String name, Object detail) {
    announced.add(new Signal(
        Objects.requireNonNull(name, "name"), Objects.requireNonNull(detail, "detail")));
  }

  @Override
  public Mono<Void> terminated() {
    return terminated.asMono();
  }

  /** Asks the run to stop at the next step boundary; the first reason wins. */
  synchronized void requestStop(Throwable reason) {
    if (!stopped) {
      stopReason = reason;
      stopped = true;
    }
  }

  synchronized Throwable stopReason() {
    return stopReason;
  }

  synchronized List<Announced> takeAnnounced() {
    if (announced.isEmpty()) {
      return List.of();
    }
    List<Announced> taken = List.copyOf(announced);
    announced.clear();
    return taken;
  }

  void markTerminated() {
    terminated.tryEmitEmpty();
  }

  long steps(Mode m) {
    return switch (m) {
      case TRAIN -> trainSteps;
      case VAL -> valSteps;
      case TEST -> testSteps;
    };
  }

  void countStep(Mode m) {
    switch (m) {
      case TRAIN -> {
        trainSteps++;
        batchesIntoEpoch++;
      }
      case VAL -> valSteps++;
      case TEST -> testSteps++;
    }
  }

  /** Counts a batch dropped by the non-finite policy: no step, but consumed in the epoch. */
  void countSkipped(Mode m) {
    skippedBatches++;
    if (m == Mode.TRAIN) {
      batchesIntoEpoch++;
    }
  }

  /**
   * A validation starts, after the train epoch or at a step cadence: a resumed run repeats it
   * until it ends.
   */
  void validationStarted(boolean atCadence) {
    validationOpen = true;
    openValidationAtCadence = atCadence;
    valStepsBeforeValidation = valSteps;
    experimentBeforeValidation = experiment;
  }

  /** The open validation ran to its end; after the train epoch's, the epoch is complete. */
  void validationEnded() {
    validationOpen = false;
    experimentBeforeValidation = null;
    if (!openValidationAtCadence) {
      epochComplete = true;
    }
  }

  RunPosition position() {
    if (epochComplete) {
      return new RunPosition(epoch + 1, 0, trainSteps, valSteps);
    }
    return new RunPosition(epoch, batchesIntoEpoch, trainSteps,
        validationOpen ? valStepsBeforeValidation : valSteps);
  }

  /**
   * The experiment a run resumed at {@link #position()} continues from: the current one, except
   * while a validation is open (the position leaves that validation to be run again, and its eval
   * steps may have returned other experiments).
   */
  E resumableExperiment() {
    return validationOpen ? experimentBeforeValidation : experiment;
  }

  @Override
  public String toString() {
    return "Run " + id;
  }
}
