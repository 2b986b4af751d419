package io.solstice.core.nd4j;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Exclusive use of ND4J's op profiler, one holder per process at a time.
 *
 * <p>ND4J's op profiler ({@code OpProfiler.getInstance()}) and the executioner's profiling
 * configuration ({@code Nd4j.getExecutioner().setProfilingConfig(...)}) exist once per process.
 * While they are on, every op of every thread is timed and counted into the one profile, and
 * a second run that switched them on, reset them or switched them off would corrupt the first
 * run's profile. Code that profiles ops acquires this lease first and releases it when it has
 * switched profiling off again; while one holder has it, {@link #acquire} refuses everyone
 * else at once with a message naming the holder.
 *
 * <pre>{@code
 * try (OpProfilerLease lease = OpProfilerLease.acquire("run 'mnist-a' (ProfilingCallback)")) {
 *   OpProfiler.getInstance().reset();
 *   Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).build());
 *   // ... the profiled steps ...
 *   Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().build());
 * }
 * }</pre>
 *
 * <p>The lease guards the profiler only against code that also takes it; it cannot stop other
 * code from calling ND4J directly. Profiling still counts the ops of other runs that execute
 * at the same time (ND4J does not tell threads apart), and it slows every thread's ops down.
 *
 * <p>Thread-safe: {@link #acquire} and {@link #release} may be called from any thread. Not
 * re-entrant: a holder that asks again is refused like anyone else.
 */
public final class OpProfilerLease implements AutoCloseable {

  private static final AtomicReference<OpProfilerLease> CURRENT = new AtomicReference<>();

  private final String holder;

  private OpProfilerLease(String holder) {
    this.holder = holder;
  }

  /**
   * Takes the op profiler for {@code holder}.
   *
   * @param holder who profiles, as it should appear in the message another holder gets (a run
   *     name, a callback); not blank
   * @return the lease, to release once profiling is switched off
   * @throws IllegalStateException naming the current holder when the profiler is taken
   */
  public static OpProfilerLease acquire(String holder) {
    if (Objects.requireNonNull(holder, "holder").isBlank()) {
      throw new IllegalArgumentException("name the holder of the op profiler lease");
    }
    OpProfilerLease lease = new OpProfilerLease(holder);
    OpProfilerLease current = CURRENT.compareAndExchange(null, lease);
    if (current != null) {
      throw new IllegalStateException(
          "ND4J's op profiler is process-wide and " + current.holder + " is using it; "
              + holder + " cannot profile ops at the same time. Profile one run at a time: "
              + "turn op profiling off for this run, or start it after the other has ended.");
    }
    return lease;
  }

  /**
   * Who holds the op profiler now.
   *
   * @return the holder's name, or empty when nobody profiles
   */
  public static Optional<String> currentHolder() {
    OpProfilerLease current = CURRENT.get();
    return current == null ? Optional.empty() : Optional.of(current.holder);
  }

  /**
   * The name this lease was acquired under.
   *
   * @return the holder's name
   */
  public String holder() {
    return holder;
  }

  /**
   * Whether this lease still holds the profiler (false once released).
   *
   * @return true until {@link #release}
   */
  public boolean isHeld() {
    return CURRENT.get() == this;
  }

  /**
   * Gives the profiler back. Idempotent: releasing twice, or after the lease was replaced by
   * a later holder, changes nothing.
   */
  public void release() {
    CURRENT.compareAndSet(this, null);
  }

  /** Same as {@link #release}, for try-with-resources. */
  @Override
  public void close() {
    release();
  }

  @Override
  public String toString() {
    return "OpProfilerLease{" + holder + (isHeld() ? ", held}" : ", released}");
  }
}
