package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.scheduler.Scheduler;

/**
 * The threads of one run: the single training thread (ND4J workspaces and CUDA contexts are
 * per thread, so every step of a run must run on the same one) and the readers of its sources.
 *
 * <p>By default the run owns them: one training thread and one reader thread per source mode,
 * so that a validation source can be read while the train source's reader waits on a slow
 * stream; all are shut down (not interrupted: a read in progress finishes) when the run ends.
 * From a {@code RunThreadPool} the run instead leases one step lane and one reader lane for its
 * whole life, and gives them back when it ends.
 */
final class RunThreads {

  private static final AtomicLong RUN_IDS = new AtomicLong();

  private final long runId = RUN_IDS.incrementAndGet();
  private final ExecutorService stepExecutor;
  private final Scheduler step;
  private final ThreadLanes.Lease stepLease;
  private final ThreadLanes.Lease readerLease;
  private final Map<Mode, ExecutorService> sourceExecutors = new EnumMap<>(Mode.class);
  private final Map<Mode, Scheduler> sources = new EnumMap<>(Mode.class);
  private boolean released;

  /** Threads of the run's own: its training thread made by {@code stepThreadFactory} if given. */
  RunThreads(ThreadFactory stepThreadFactory) {
    ThreadFactory factory =
        stepThreadFactory != null ? stepThreadFactory : ThreadLanes.named("solstice-step-" + runId);
    this.stepExecutor = Executors.newSingleThreadExecutor(factory);
    this.step = ThreadLanes.uninterruptible(stepExecutor);
    this.stepLease = null;
    this.readerLease = null;
  }

  /** Threads leased from a pool's lanes. */
  RunThreads(ThreadLanes stepLanes, ThreadLanes readerLanes) {
    this.stepExecutor = null;
    this.stepLease = stepLanes.lease();
    this.step = stepLease.scheduler();
    this.readerLease = readerLanes.lease();
  }

  /** Whether the threads are leased from a pool, shared with other runs. */
  boolean shared() {
    return stepLease != null;
  }

  /** The scheduler of the training thread. */
  Scheduler step() {
    return step;
  }

  /** The scheduler that subscribes to and reads the source of a mode. */
  synchronized Scheduler source(Mode mode) {
    if (readerLease != null) {
      return readerLease.scheduler();
    }
    return sources.computeIfAbsent(mode, m -> {
      ExecutorService executor = Executors.newSingleThreadExecutor(
          ThreadLanes.named("solstice-source-" + m.label() + "-" + runId));
      sourceExecutors.put(m, executor);
      return ThreadLanes.uninterruptible(executor);
    });
  }

  /**
   * Shuts every owned thread down (the training thread finishes the task it is running), or
   * gives the leased lanes back.
   */
  synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    if (stepLease != null) {
      stepLease.giveBack();
      readerLease.giveBack();
      return;
    }
    sourceExecutors.values().forEach(ExecutorService::shutdown);
    stepExecutor.shutdown();
  }
}
