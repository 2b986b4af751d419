package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads one run owns: the single training thread (ND4J workspaces and CUDA contexts are
 * per thread, so every step of a run must run on the same one) and one reader thread per
 * source mode, so that a validation source can be read while the train source's reader waits
 * on a slow stream. All are shut down (not interrupted: a read in progress finishes) when the
 * run ends, and their threads then exit.
 */
final class RunThreads {

  private static final AtomicLong RUN_IDS = new AtomicLong();

  private final long runId = RUN_IDS.incrementAndGet();
  private final ExecutorService stepExecutor;
  private final Scheduler step;
  private final Scheduler sharedSource;
  private final Map<Mode, ExecutorService> sourceExecutors = new EnumMap<>(Mode.class);
  private final Map<Mode, Scheduler> sources = new EnumMap<>(Mode.class);
  private boolean released;

  RunThreads(ThreadFactory stepThreadFactory, Scheduler sharedSource) {
    ThreadFactory factory =
        stepThreadFactory != null ? stepThreadFactory : named("solstice-step-" + runId);
    this.stepExecutor = Executors.newSingleThreadExecutor(factory);
    this.step = uninterruptible(stepExecutor);
    this.sharedSource = sharedSource;
  }

  /** The scheduler of the training thread. */
  Scheduler step() {
    return step;
  }

  /** The scheduler that subscribes to and reads the source of a mode. */
  synchronized Scheduler source(Mode mode) {
    if (sharedSource != null) {
      return sharedSource;
    }
    return sources.computeIfAbsent(mode, m -> {
      ExecutorService executor = Executors.newSingleThreadExecutor(
          named("solstice-source-" + m.label() + "-" + runId));
      sourceExecutors.put(m, executor);
      return uninterruptible(executor);
    });
  }

  /** Shuts every owned thread down; the training thread finishes the task it is running. */
  synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    sourceExecutors.values().forEach(ExecutorService::shutdown);
    stepExecutor.shutdown();
  }

  // Schedulers.fromExecutorService interrupts a running task when its worker is disposed,
  // which would interrupt a step (or a file read: an interrupted FileChannel closes itself)
  // when a run is cancelled. A plain Executor gives a scheduler whose cancelled tasks are
  // skipped, never interrupted; a single-thread executor keeps its tasks in order.
  //
  // Once the run has ended and its executors are shut down, an operator may still hand over a
  // late task (a replenishing request, a drain that finds nothing to do). It runs on the
  // calling thread instead of failing: by then every batch scope of the run is closed, so such
  // a task can only close a late batch, never run a step or a hook.
  private static Scheduler uninterruptible(ExecutorService executor) {
    java.util.concurrent.Executor plain = task -> {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException runEnded) {
        task.run();
      }
    };
    return Schedulers.fromExecutor(plain);
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
