package io.solstice.reactive.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Threads that runs without a {@code RunThreadPool} borrow, one per training thread or reader,
 * for the run's whole life, rather than each starting threads of its own: a thread that a run
 * gives back waits up to {@link #DEFAULT_KEEP_ALIVE_SECONDS} seconds for the next run. Runs in
 * quick succession (a sweep, one run per epoch, a service's short online runs) then skip
 * starting a thread, and with OpenMP the thread team ND4J starts for each new calling thread. On
 * the 2-core benchmark machine a new thread took 0.42 ms (median) to run its first task and a
 * parked one 0.14 ms, and a run of 80 MLP steps on a borrowed thread went 1.2% (one BLAS thread)
 * and 4.5% (two) faster than the same run on a new thread ({@code borrowed_vs_new_training_thread}
 * of {@code benchmarks/bench overhead}).
 *
 * <p>While a run holds a thread, the thread bears the run's name ({@code solstice-step-N},
 * {@code solstice-source-train-N}); back in the cache it keeps that name with {@value
 * #IDLE_SUFFIX} appended, until the next run renames it. What a run leaves in thread-local
 * state (ND4J workspaces, a CUDA context) stays with the thread for the next run on it, as on a
 * {@code RunThreadPool}'s lanes.
 *
 * <p>Thread safety: thread-safe.
 */
final class ThreadCache {

  /** How long a thread given back waits for the next run before it ends. */
  static final long DEFAULT_KEEP_ALIVE_SECONDS = 30;

  /** What the name of a thread that no run holds ends with. */
  static final String IDLE_SUFFIX = " (idle)";

  private static final ThreadCache SHARED = new ThreadCache(DEFAULT_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);

  private final ThreadPoolExecutor threads;

  ThreadCache(long keepAlive, TimeUnit unit) {
    // No queue: a borrow takes an idle thread, or starts one when none is idle.
    threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, keepAlive, unit, new SynchronousQueue<>(),
        runnable -> {
          Thread thread = new Thread(runnable, "solstice" + IDLE_SUFFIX);
          thread.setDaemon(true);
          return thread;
        });
  }

  /** The cache that runs share. */
  static ThreadCache shared() {
    return SHARED;
  }

  /**
   * A thread for one run's tasks, named {@code name} until {@link Lane#close()}.
   *
   * @param name the thread's name while the run holds it
   * @return the lane that runs the tasks on it, in order
   */
  Lane borrow(String name) {
    Lane lane = new Lane();
    threads.execute(() -> lane.drain(name));
    return lane;
  }

  /** Threads alive in the cache, holding a run or idle. */
  int threads() {
    return threads.getPoolSize();
  }

  /**
   * One run's hold on a cached thread: the tasks handed over run on it one at a time, in order;
   * after {@link #close()} the thread finishes them and goes back to the cache, and new tasks
   * are refused (as by a shut-down executor).
   */
  static final class Lane implements Executor {
    private static final Runnable END = () -> { };

    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private boolean closed; // guarded by this

    private Lane() {}

    @Override
    public synchronized void execute(Runnable task) {
      if (closed) {
        throw new RejectedExecutionException("the run gave its thread back");
      }
      tasks.add(task);
    }

    /** Gives the thread back once the tasks already handed over have run. */
    synchronized void close() {
      if (!closed) {
        closed = true;
        tasks.add(END);
      }
    }

    private void drain(String name) {
      Thread thread = Thread.currentThread();
      thread.setName(name);
      try {
        for (Runnable task = next(); task != END; task = next()) {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            // The lane outlives a failing task, as a single-thread executor's thread would be
            // replaced: the run's later tasks still run, in order.
            thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
          }
        }
      } finally {
        thread.setName(name + IDLE_SUFFIX);
      }
    }

    /** The next task; nothing interrupts a run's thread, and an interrupt would not end the lane. */
    private Runnable next() {
      while (true) {
        try {
          return tasks.take();
        } catch (InterruptedException ignored) {
          // keep serving the run: its tasks must all run, on this thread
        }
      }
    }
  }
}
