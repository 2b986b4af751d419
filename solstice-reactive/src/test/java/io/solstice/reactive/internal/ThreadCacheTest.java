package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Sources;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs borrow their threads: the next run reuses the thread the previous one gave back, under
 * its own name; each lane runs its tasks in order on one thread and outlives a failing task; a
 * lane given back refuses new tasks; idle threads end after the keep-alive.
 */
class ThreadCacheTest {

  @Test
  void theNextRunStepsOnAThreadAnEarlierRunGaveBack() {
    Ledger ledger = new Ledger();
    List<Thread> stepThreads = new CopyOnWriteArrayList<>();
    List<String> names = new CopyOnWriteArrayList<>();
    TrainingSubscriber<CountingExperiment, MeanMetric> recorder = event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?>) {
        stepThreads.add(Thread.currentThread());
        names.add(Thread.currentThread().getName());
      }
    };
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(ledger, 3))
        .subscribers(recorder).block();
    // The run has ended once block() returns; its threads go back once their last task ran.
    Thread first = stepThreads.get(0);
    await("the thread given back").atMost(Duration.ofSeconds(5))
        .until(() -> first.getName().endsWith(ThreadCache.IDLE_SUFFIX));
    Set<Thread> alive = Thread.getAllStackTraces().keySet();

    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(ledger, 3))
        .subscribers(recorder).block();

    assertThat(stepThreads).hasSize(6);
    assertThat(Set.copyOf(stepThreads.subList(0, 3))).hasSize(1);
    assertThat(Set.copyOf(stepThreads.subList(3, 6))).hasSize(1);
    // An idle thread of the cache (the first run's, or one an earlier run gave back).
    assertThat(alive).as("the second run's thread was alive before it started")
        .contains(stepThreads.get(3));
    assertThat(Set.copyOf(names)).as("each run's own name while it held its thread").hasSize(2)
        .allMatch(name -> name.startsWith("solstice-step-"));
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void aLaneRunsItsTasksInOrderOnOneThreadAndOutlivesAFailingTask() throws InterruptedException {
    ThreadCache cache = new ThreadCache(30, TimeUnit.SECONDS);
    ThreadCache.Lane lane = cache.borrow("lane-under-test");
    List<Integer> order = new CopyOnWriteArrayList<>();
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(1);
    for (int i = 0; i < 100; i++) {
      int task = i;
      lane.execute(() -> {
        threads.add(Thread.currentThread());
        assertThat(Thread.currentThread().getName()).isEqualTo("lane-under-test");
        order.add(task);
        if (task == 50) {
          throw new IllegalStateException("a task that fails (reported to the thread's handler)");
        }
      });
    }
    lane.execute(done::countDown);
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(order).hasSize(100).isSorted();
    assertThat(threads).hasSize(1);

    lane.close();
    assertThatThrownBy(() -> lane.execute(() -> { }))
        .isInstanceOf(RejectedExecutionException.class);
    Thread thread = threads.iterator().next();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> thread.getName().equals("lane-under-test" + ThreadCache.IDLE_SUFFIX));
  }

  @Test
  void lanesHeldAtOnceHaveThreadsOfTheirOwnAndIdleThreadsEndAfterTheKeepAlive()
      throws InterruptedException {
    ThreadCache cache = new ThreadCache(100, TimeUnit.MILLISECONDS);
    ThreadCache.Lane first = cache.borrow("first");
    ThreadCache.Lane second = cache.borrow("second");
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch both = new CountDownLatch(2);
    for (ThreadCache.Lane lane : List.of(first, second)) {
      lane.execute(() -> {
        threads.add(Thread.currentThread());
        both.countDown();
      });
    }
    assertThat(both.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).hasSize(2);
    assertThat(cache.threads()).isEqualTo(2);

    first.close();
    second.close();
    await("idle threads ended").atMost(Duration.ofSeconds(5)).until(() -> cache.threads() == 0);
    assertThat(threads).allSatisfy(thread -> {
      thread.join(5_000);
      assertThat(thread.isAlive()).isFalse();
    });
  }
}
