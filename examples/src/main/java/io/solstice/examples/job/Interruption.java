package io.solstice.examples.job;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Ctrl-C (or a SIGTERM) while a command works. The JVM answers a signal by running its shutdown
 * hooks and then exiting, wherever the command is: a run loses the epoch in progress, a
 * prediction leaves its half-written temporary file. This hook tells the command instead ({@code
 * onSignal}, on the hook's thread, and {@link #signalled}) and keeps the JVM alive until the
 * command has finished cleanly and said so ({@link #close}), for at most {@value #WAIT_SECONDS}
 * seconds, and says so on standard error. A second Ctrl-C (or SIGTERM) ends the JVM at once, as a
 * user pressing it again expects: without it, the JVM, already shutting down, would ignore it.
 *
 * <p>Install it for one piece of work, and close it once that work is done and reported.
 */
public final class Interruption implements AutoCloseable {
  /** The longest the JVM waits for the command to finish after a signal. */
  public static final long WAIT_SECONDS = 60;

  private final Runnable onSignal;
  private final Thread hook = new Thread(this::signal, "solstice-interruption");
  private final CountDownLatch released = new CountDownLatch(1);
  private volatile boolean signalled;

  private Interruption(Runnable onSignal) {
    this.onSignal = onSignal;
  }

  /**
   * Registers the shutdown hook.
   *
   * @param onSignal what to tell the work, run on the hook's thread after {@link #signalled}
   *     becomes true
   * @return the interruption, to close when the work is done
   */
  public static Interruption install(Runnable onSignal) {
    Interruption interruption = new Interruption(onSignal);
    Runtime.getRuntime().addShutdownHook(interruption.hook);
    return interruption;
  }

  /**
   * Whether a signal came.
   *
   * @return true after Ctrl-C or SIGTERM
   */
  public boolean signalled() {
    return signalled;
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

  private void signal() {
    signalled = true;
    haltOnTheNextSignal();
    // On a line of its own, after a progress bar's.
    System.err.printf("%nsolstice: finishing cleanly (Ctrl-C again quits at once)%n");
    onSignal.run();
    try {
      released.await(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Replaces the JVM's handlers of SIGINT and SIGTERM, whose second call would wait for this
   * shutdown to end, with one that halts the JVM with the shell's code for the signal.
   */
  private static void haltOnTheNextSignal() {
    for (String name : List.of("INT", "TERM")) {
      try {
        Signal.handle(new Signal(name), signal -> Runtime.getRuntime().halt(128 + signal.getNumber()));
      } catch (IllegalArgumentException notHandled) {
        // Not a signal here, or one the JVM was told to leave alone (-Xrs): the wait stays.
      }
    }
  }
}
