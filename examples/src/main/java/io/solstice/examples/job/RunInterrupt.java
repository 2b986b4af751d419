package io.solstice.examples.job;

import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or a SIGTERM) during a training run: instead of the JVM exiting wherever the run is,
 * which loses everything since the last epoch's checkpoint, a shutdown hook asks the run to stop
 * after the step in progress ({@link RunControl#stop}), so that its end checkpoint holds that
 * step, and keeps the JVM alive until the job has said where it stopped ({@link #close}), for at
 * most {@value #WAIT_SECONDS} seconds. A second Ctrl-C does not end it sooner (the JVM is
 * already shutting down); {@code kill -9} does.
 *
 * <p>A synchronous subscriber of the run, so it knows the run's control and its end position.
 * Install it for one run: {@link #install}, then {@link #close} once the job is done with it.
 */
final class RunInterrupt implements TrainingSubscriber<Object, Object>, AutoCloseable {
  /** The longest the JVM waits for the stopped run's checkpoint and message. */
  static final long WAIT_SECONDS = 60;

  private final Thread hook = new Thread(this::interruptAndWait, "solstice-interrupt");
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile RunControl control;
  private volatile boolean interrupted;
  private volatile RunPosition endedAt;

  private RunInterrupt() {}

  /**
   * A handler whose shutdown hook is registered.
   *
   * @return the handler, to add to the run's subscribers
   */
  static RunInterrupt install() {
    RunInterrupt interrupt = new RunInterrupt();
    Runtime.getRuntime().addShutdownHook(interrupt.hook);
    return interrupt;
  }

  @Override
  public void onEvent(TrainingEvent<Object, Object> event) {
    if (control == null) {
      control = event.run();
      if (interrupted) {
        control.stop("interrupted"); // the signal came before the run's first event
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
    return interrupted;
  }

  /**
   * Where the run ended: the position its end checkpoint resumes from.
   *
   * @return the position, or null before the run ended
   */
  RunPosition endedAt() {
    return endedAt;
  }

  /** Removes the hook, or, when it is running, lets the JVM go on shutting down. */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running: it waits for the latch below.
    } finally {
      released.countDown();
    }
  }

  private void interruptAndWait() {
    interrupted = true;
    RunControl known = control;
    if (known != null) {
      known.stop("interrupted");
    }
    try {
      released.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
