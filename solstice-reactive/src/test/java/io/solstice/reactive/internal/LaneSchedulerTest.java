package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A run's thread schedulers: tasks that arrive too late are skipped or run where they were handed
 * over, never interrupted and never reported as errors.
 */
class LaneSchedulerTest {

  private final ExecutorService executor = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopExecutor() throws InterruptedException {
    executor.shutdownNow();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aTaskHandedToADisposedWorkerIsSkippedWhereReactorsWorkerRejectsIt() throws Exception {
    Scheduler.Worker worker = LaneScheduler.over(executor).createWorker();
    worker.dispose();
    AtomicBoolean ran = new AtomicBoolean();

    Disposable task = worker.schedule(() -> ran.set(true));

    assertThat(task.isDisposed()).isTrue();
    awaitExecutorIdle();
    assertThat(ran).isFalse();
    Scheduler.Worker reactors = Schedulers.fromExecutor(executor).createWorker();
    reactors.dispose();
    assertThatThrownBy(() -> reactors.schedule(() -> ran.set(true)))
        .isInstanceOf(RejectedExecutionException.class);
  }

  @Test
  void aLiveWorkerRunsItsTasksInOrderOnTheExecutorsThread() throws Exception {
    Scheduler.Worker worker = LaneScheduler.over(executor).createWorker();
    List<String> ran = new CopyOnWriteArrayList<>();
    AtomicReference<Thread> thread = new AtomicReference<>();

    worker.schedule(() -> ran.add("first"));
    worker.schedule(() -> {
      ran.add("second");
      thread.set(Thread.currentThread());
    });
    awaitExecutorIdle();

    assertThat(ran).containsExactly("first", "second");
    assertThat(thread.get()).isNotSameAs(Thread.currentThread());
    worker.dispose();
  }

  @Test
  void onceTheExecutorIsShutDownATaskRunsOnTheThreadThatHandsItOver() {
    Scheduler scheduler = LaneScheduler.over(executor);
    Scheduler.Worker worker = scheduler.createWorker();
    executor.shutdown();
    AtomicReference<Thread> thread = new AtomicReference<>();

    worker.schedule(() -> thread.set(Thread.currentThread()));

    assertThat(thread.get()).isSameAs(Thread.currentThread());
  }

  /**
   * The race this scheduler exists for, made deterministic: {@code publishOn} is cancelled, and
   * its source ends between the cancel's disposal of the worker and the cancel's drain guard.
   * Over Reactor's own scheduler the late drain is rejected and the rejection dropped (logged at
   * ERROR by default); over a lane's, nothing is dropped.
   */
  @Test
  void aSourceEndingWhilePublishOnIsBeingCancelledDropsNoError() {
    assertThat(errorsDroppedWhenTheSourceEndsDuringTheCancel(Schedulers.fromExecutor(executor)))
        .as("over Reactor's scheduler, the race this test sets up")
        .hasSize(1)
        .allMatch(RejectedExecutionException.class::isInstance);
    assertThat(errorsDroppedWhenTheSourceEndsDuringTheCancel(LaneScheduler.over(executor))).isEmpty();
  }

  private List<Throwable> errorsDroppedWhenTheSourceEndsDuringTheCancel(Scheduler scheduler) {
    AtomicReference<Subscriber<? super Integer>> downstreamOfSource = new AtomicReference<>();
    // A source that, as a reader thread may, has its end already on the way when the cancel comes.
    Publisher<Integer> source = subscriber -> {
      downstreamOfSource.set(subscriber);
      subscriber.onSubscribe(new Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      });
    };
    Scheduler endsTheSourceWhenAWorkerIsDisposed = new EndsSourceOnWorkerDisposal(scheduler,
        () -> downstreamOfSource.get().onComplete());
    List<Throwable> dropped = new CopyOnWriteArrayList<>();
    Hooks.onErrorDropped(dropped::add);
    try {
      BaseSubscriber<Integer> consumer = new BaseSubscriber<>() {};
      Flux.from(source).publishOn(endsTheSourceWhenAWorkerIsDisposed, 1).subscribe(consumer);
      // The consumer's request scheduled a drain; once it has run, publishOn holds no drain, so
      // the source's end during the cancel schedules one.
      awaitExecutorIdle();
      consumer.cancel();
      awaitExecutorIdle();
      return List.copyOf(dropped);
    } finally {
      Hooks.resetOnErrorDropped();
    }
  }

  private void awaitExecutorIdle() {
    CountDownLatch idle = new CountDownLatch(1);
    executor.execute(idle::countDown);
    try {
      assertThat(idle.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs an action right after any of its workers has been disposed, on the disposing thread. */
  private record EndsSourceOnWorkerDisposal(Scheduler scheduler, Runnable afterDispose)
      implements Scheduler {

    @Override
    public Disposable schedule(Runnable task) {
      return scheduler.schedule(task);
    }

    @Override
    public Worker createWorker() {
      Worker worker = scheduler.createWorker();
      return new Worker() {
        @Override
        public Disposable schedule(Runnable task) {
          return worker.schedule(task);
        }

        @Override
        public void dispose() {
          worker.dispose();
          afterDispose.run();
        }

        @Override
        public boolean isDisposed() {
          return worker.isDisposed();
        }
      };
    }
  }
}
