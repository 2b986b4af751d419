package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
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
 * <p>By default the run borrows them from the {@link ThreadCache} for its whole life: one
 * training thread and one reader thread per source mode, so that a validation source can be
 * read while the train source's reader waits on a slow stream. When the run ends each finishes
 * the tasks it was given (nothing is interrupted: a read in progress finishes) and goes back to
 * the cache. With a step thread factory the training thread is the run's own, shut down when
 * the run ends. From a {@code RunThreadPool} the run instead leases one step lane and one
 * reader lane for its whole life, and gives them back when it ends.
 */
final class RunThreads {

  private static final AtomicLong RUN_IDS = new AtomicLong();

  private final long runId = RUN_IDS.incrementAndGet();
  private final Scheduler step;
  /** What ends the training thread's part in the run: a shutdown, a lane closed, a lease returned. */
  private final Runnable stepRelease;
  private final ThreadLanes.Lease readerLease;
  private final List<ThreadCache.Lane> readers = new ArrayList<>();
  private final Map<Mode, Scheduler> sources = new EnumMap<>(Mode.class);
  private boolean released;

  /**
   * Threads for the run alone: a training thread made by {@code stepThreadFactory} if given,
   * borrowed from the cache otherwise.
   */
  RunThreads(ThreadFactory stepThreadFactory) {
    if (stepThreadFactory != null) {
      ExecutorService own = Executors.newSingleThreadExecutor(stepThreadFactory);
      this.step = LaneScheduler.over(own);
      this.stepRelease = own::shutdown;
    } else {
      ThreadCache.Lane lane = ThreadCache.shared().borrow("solstice-step-" + runId);
      this.step = LaneScheduler.over(lane);
      this.stepRelease = lane::close;
    }
    this.readerLease = null;
  }

  /** Threads leased from a pool's lanes. */
  RunThreads(ThreadLanes stepLanes, ThreadLanes readerLanes) {
    ThreadLanes.Lease stepLease = stepLanes.lease();
    this.step = stepLease.scheduler();
    this.stepRelease = stepLease::giveBack;
    this.readerLease = readerLanes.lease();
  }

  /** Whether the threads are leased from a pool, shared with other runs. */
  boolean shared() {
    return readerLease != null;
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
      ThreadCache.Lane lane = ThreadCache.shared().borrow("solstice-source-" + m.label() + "-" + runId);
      readers.add(lane);
      return LaneScheduler.over(lane);
    });
  }

  /**
   * Gives every thread back once it has run the tasks it was given (the training thread
   * finishes the task it is running), or returns the leased lanes.
   */
  synchronized void release() {
    if (released) {
      return;
    }
    released = true;
    if (readerLease != null) {
      readerLease.giveBack();
    }
    readers.forEach(ThreadCache.Lane::close);
    stepRelease.run();
  }
}
