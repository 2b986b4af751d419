package io.solstice.reactive.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.scheduler.Scheduler;

/**
 * A fixed number of single-thread lanes that runs lease: a run keeps its lane from start to end,
 * so everything it schedules there runs on one thread and in order, and a new run takes the lane
 * with the fewest runs. Lanes run tasks in the order they were handed over, so the runs of one
 * lane take turns step by step.
 *
 * <p>Thread safety: thread-safe.
 */
public final class ThreadLanes {
  private final ExecutorService[] executors;
  private final Scheduler[] schedulers;
  private final int[] runs;

  /**
   * Starts nothing yet: each lane's thread starts with its first task.
   *
   * @param name the threads' name prefix ({@code name-0}, {@code name-1}, ...)
   * @param count the number of lanes, at least 1
   */
  public ThreadLanes(String name, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("a pool needs at least one " + name + " thread, got " + count);
    }
    executors = new ExecutorService[count];
    schedulers = new Scheduler[count];
    runs = new int[count];
    for (int i = 0; i < count; i++) {
      executors[i] = Executors.newSingleThreadExecutor(named(name + "-" + i));
      schedulers[i] = LaneScheduler.over(executors[i]);
    }
  }

  /** The number of lanes. */
  public int size() {
    return executors.length;
  }

  /** Runs holding a lane now. */
  public synchronized int activeRuns() {
    int total = 0;
    for (int n : runs) {
      total += n;
    }
    return total;
  }

  /** Leases the lane with the fewest runs (the first of those on a tie). */
  synchronized Lease lease() {
    int least = 0;
    for (int i = 1; i < runs.length; i++) {
      if (runs[i] < runs[least]) {
        least = i;
      }
    }
    runs[least]++;
    return new Lease(least);
  }

  private synchronized void giveBack(int lane) {
    runs[lane]--;
  }

  /** Stops the lanes once the tasks already handed over have run. */
  public void shutdown() {
    for (ExecutorService executor : executors) {
      executor.shutdown();
    }
  }

  /** One run's hold on a lane. */
  final class Lease {
    private final int lane;
    private final AtomicBoolean returned = new AtomicBoolean();

    private Lease(int lane) {
      this.lane = lane;
    }

    Scheduler scheduler() {
      return schedulers[lane];
    }

    void giveBack() {
      if (returned.compareAndSet(false, true)) {
        ThreadLanes.this.giveBack(lane);
      }
    }
  }

  private static ThreadFactory named(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, count.getAndIncrement() == 0 ? name : name + "-" + count);
      thread.setDaemon(true);
      return thread;
    };
  }
}
