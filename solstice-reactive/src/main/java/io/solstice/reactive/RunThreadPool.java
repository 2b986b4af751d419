package io.solstice.reactive;

import io.solstice.reactive.internal.ThreadLanes;

/**
 * Threads that many runs share, for a service that trains many small models at once (one per
 * user, device or sensor): by default every run starts a training thread and a reader thread
 * per source of its own, so a thousand runs would need two thousand threads.
 *
 * <pre>{@code
 * try (RunThreadPool pool = RunThreadPool.forCores()) {
 *   for (Sensor sensor : sensors) {
 *     Solstice.run(model(sensor)).train(stream(sensor)).threadPool(pool).events().subscribe(...);
 *   }
 *   ...
 * }
 * }</pre>
 *
 * <p>A pooled run leases one <i>step lane</i> (a single thread) and one <i>reader lane</i> for
 * its whole life and gives them back when it ends; a new run takes the lanes with the fewest
 * runs. Every per-run guarantee holds as with threads of its own: all its steps and synchronous
 * subscribers on one thread, one step at a time, events in order, sources read only on demand
 * and at most {@code prefetch} batches ahead. The runs of one lane take turns step by step (a
 * lane runs the tasks handed to it in order), so none is starved. What is shared is time: a run
 * whose step or subscriber takes long delays the runs of its lane, and a source that blocks
 * (a network read) holds its reader lane, so give sources that wait on the network threads of
 * their own (no pool).
 *
 * <p>A run's numbers do not depend on the thread it runs on for Solstice's models, which draw
 * their randomness from their own state: a pooled run ends with the same bits as the same run
 * alone. Models that draw from ND4J's per-thread generator during steps (DL4J's dropout) share
 * that generator with the other runs of their lane.
 *
 * <p>Close the pool once its runs have ended: it then stops its threads after the tasks already
 * handed over.
 *
 * <p>Thread safety: thread-safe.
 */
public final class RunThreadPool implements AutoCloseable {
  /** Reader lanes of {@link #forCores()}: in-memory and file reads are short next to a step. */
  private static final int DEFAULT_READERS = 2;

  final ThreadLanes steps;
  final ThreadLanes readers;

  private RunThreadPool(int stepThreads, int readerThreads) {
    this.steps = new ThreadLanes("solstice-pool-step", stepThreads);
    this.readers = new ThreadLanes("solstice-pool-reader", readerThreads);
  }

  /**
   * A pool of the given size.
   *
   * @param stepThreads training threads, at least 1
   * @param readerThreads source reader threads, at least 1
   * @return the pool (its threads start with their first task)
   */
  public static RunThreadPool create(int stepThreads, int readerThreads) {
    if (stepThreads < 1 || readerThreads < 1) {
      throw new IllegalArgumentException("a pool needs at least one step and one reader thread, got "
          + stepThreads + " and " + readerThreads);
    }
    return new RunThreadPool(stepThreads, readerThreads);
  }

  /**
   * A pool with one training thread per core and two reader threads: the default for services
   * whose runs train on data already in memory or on local files.
   *
   * @return the pool
   */
  public static RunThreadPool forCores() {
    return create(Runtime.getRuntime().availableProcessors(), DEFAULT_READERS);
  }

  /** Training threads. */
  public int stepThreads() {
    return steps.size();
  }

  /** Reader threads. */
  public int readerThreads() {
    return readers.size();
  }

  /** Runs that hold lanes of this pool now. */
  public int activeRuns() {
    return steps.activeRuns();
  }

  /** Stops the threads once the tasks already handed to them have run. */
  @Override
  public void close() {
    steps.shutdown();
    readers.shutdown();
  }
}
