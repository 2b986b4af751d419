package io.solstice.examples.job;

import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;

/**
 * Ctrl-C (or a SIGTERM) during a training run ({@link Interruption}): the run is asked to stop
 * after the step in progress ({@link RunControl#stop}), so that its end checkpoint holds that
 * step, instead of the JVM exiting wherever the run is and losing everything since the last
 * epoch's checkpoint.
 *
 * <p>A synchronous subscriber of the run, so it knows the run's control and its end position.
 * Install it for one run: {@link #install}, then {@link #close} once the job has said where the
 * run stopped.
 */
final class RunInterrupt implements TrainingSubscriber<Object, Object>, AutoCloseable {
  private final Interruption interruption = Interruption.install(this::stopRun);
  private volatile RunControl control;
  private volatile RunPosition endedAt;

  private RunInterrupt() {}

  /**
   * A handler whose shutdown hook is registered.
   *
   * @return the handler, to add to the run's subscribers
   */
  static RunInterrupt install() {
    return new RunInterrupt();
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) {
    if (control == null) {
      control = event.run();
      if (interruption.signalled()) {
        stopRun(); // the signal came before the run's first event
      }
    }
    if (event instanceof TrainingEvent.RunEnded<Object, Object> ended) {
      endedAt = ended.position();
    }
  }

  /**
   * Whether the run was asked to stop by a signal.
   *
   * @return true after Ctrl-C or SIGTERM
   */
  boolean interrupted() {
    return interruption.signalled();
  }

  /**
   * Where the run ended: the position its end checkpoint resumes from.
   *
   * @return the position, or null before the run ended
   */
  RunPosition endedAt() {
    return endedAt;
  }

  /** Lets the JVM exit, when a signal came. */
  @Override
  public void close() {
    interruption.close();
  }

  private void stopRun() {
    RunControl known = control;
    if (known != null) {
      known.stop("interrupted");
    }
  }
}
