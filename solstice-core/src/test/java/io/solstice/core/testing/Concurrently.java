package io.solstice.core.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs numbered tasks either one at a time, each on a fresh thread with nothing else running,
 * or all at once, each on its own thread, released together by a barrier so that they overlap
 * as much as the machine allows. Concurrency tests compare the two.
 */
public final class Concurrently {

  private static final long TIMEOUT_MINUTES = 5;

  private Concurrently() {}

  /** A task numbered from 0; may throw. */
  @FunctionalInterface
  public interface Task<T> {
    /**
     * Runs task {@code index}.
     *
     * @param index the task's number
     * @return its result
     * @throws Exception on failure, rethrown by the caller
     */
    T run(int index) throws Exception;
  }

  /**
   * Runs tasks 0 to count - 1 one after another, each alone on a new thread.
   *
   * @param count how many tasks
   * @param task the task
   * @param <T> the result type
   * @return the results in task order
   */
  public static <T> List<T> oneAtATime(int count, Task<T> task) {
    List<T> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FutureTask<T> future = future(task, i, null);
      new Thread(future, "alone-" + i).start();
      results.add(await(future, i));
    }
    return results;
  }

  /**
   * Runs tasks 0 to count - 1 at the same time, each on its own new thread; every thread waits
   * at a barrier until all have started.
   *
   * @param count how many tasks
   * @param task the task
   * @param <T> the result type
   * @return the results in task order
   */
  public static <T> List<T> allAtOnce(int count, Task<T> task) {
    CyclicBarrier start = new CyclicBarrier(count);
    List<FutureTask<T>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FutureTask<T> future = future(task, i, start);
      futures.add(future);
      new Thread(future, "at-once-" + i).start();
    }
    List<T> results = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      results.add(await(futures.get(i), i));
    }
    return results;
  }

  private static <T> FutureTask<T> future(Task<T> task, int index, CyclicBarrier start) {
    return new FutureTask<>(() -> {
      if (start != null) {
        start.await(TIMEOUT_MINUTES, TimeUnit.MINUTES);
      }
      return task.run(index);
    });
  }

  private static <T> T await(FutureTask<T> future, int index) {
    try {
      return future.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof BrokenBarrierException ? e : e.getCause();
      throw new AssertionError("task " + index + " failed: " + cause, cause);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new AssertionError("task " + index + " did not finish in " + TIMEOUT_MINUTES
          + " minutes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for task " + index, e);
    }
  }
}
