package io.solstice.reactive.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The scheduler of one of a run's threads (its training thread, a reader, a pool's lane): Reactor's
 * scheduler over the thread's executor, with two differences, both about tasks that arrive too
 * late to matter.
 *
 * <p><b>Never interrupted.</b> {@code Schedulers.fromExecutorService} interrupts a running task
 * when its worker is disposed, which would interrupt a step (or a file read: an interrupted
 * {@code FileChannel} closes itself) when a run is cancelled. Over a plain {@link Executor}, a
 * worker's cancelled tasks are skipped, never interrupted, and a single-thread executor keeps
 * its tasks in order. Once the executor is shut down (a run's thread after the run ended, a pool
 * closed), an operator may still hand over a late task (a replenishing request, a drain that
 * finds nothing to do): it runs on the calling thread instead of failing. By then every batch
 * scope of the run is closed, so such a task can only close a late batch, never run a step or a
 * hook.
 *
 * <p><b>A disposed worker skips, rather than rejects.</b> A task handed to a worker after the
 * worker was disposed is skipped, as the tasks it held when disposed are. Reactor's worker throws
 * instead, and {@code publishOn} disposes its worker when cancelled before it takes its drain
 * guard (the window of reactor-core issue 4396): a signal from upstream on another thread in
 * between schedules a drain on the disposed worker, and {@code publishOn}, being cancelled, hands
 * the rejection to {@code Operators.onErrorDropped}, whose default logs "Operator called default
 * onErrorDropped" at ERROR. A run met that when its training thread cut an epoch short just as the
 * reader thread delivered the source's end (a few runs in tens of thousands): an error in the log
 * for nothing. The skipped drain would only have found the operator cancelled; what its queue held
 * is closed by the run's batch scope ({@link BatchScope}), as for issue 4396 itself.
 */
final class LaneScheduler implements Scheduler {

  private final Scheduler delegate;

  private LaneScheduler(Scheduler delegate) {
    this.delegate = delegate;
  }

  /**
   * A scheduler that hands its tasks to {@code executor}, or runs them on the calling thread once
   * the executor refuses them.
   *
   * @param executor the thread's executor
   * @return the scheduler
   */
  static Scheduler over(Executor executor) {
    Executor runsLateTasksInline = task -> {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException runEnded) {
        task.run();
      }
    };
    return new LaneScheduler(Schedulers.fromExecutor(runsLateTasksInline));
  }

  @Override
  public Disposable schedule(Runnable task) {
    return delegate.schedule(task);
  }

  @Override
  public Worker createWorker() {
    return new SkippingWorker(delegate.createWorker());
  }

  @Override
  public void dispose() {
    delegate.dispose();
  }

  @Override
  public boolean isDisposed() {
    return delegate.isDisposed();
  }

  @Override
  public void init() {
    delegate.init();
  }

  /** Reactor's worker, except that a task handed over after {@link #dispose()} is skipped. */
  private static final class SkippingWorker implements Worker {
    private final Worker delegate;

    SkippingWorker(Worker delegate) {
      this.delegate = delegate;
    }

    @Override
    public Disposable schedule(Runnable task) {
      try {
        return delegate.schedule(task);
      } catch (RejectedExecutionException rejected) {
        if (delegate.isDisposed()) {
          return Disposables.disposed();
        }
        throw rejected;
      }
    }

    @Override
    public void dispose() {
      delegate.dispose();
    }

    @Override
    public boolean isDisposed() {
      return delegate.isDisposed();
    }
  }
}
