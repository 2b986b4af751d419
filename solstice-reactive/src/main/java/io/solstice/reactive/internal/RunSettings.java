package io.solstice.reactive.internal;

import io.solstice.core.RunPosition;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.NonFinitePolicy;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import org.reactivestreams.Publisher;
import reactor.core.scheduler.Scheduler;

/**
 * Everything a {@link io.solstice.reactive.Run} specifies, in one place: the run value copies it
 * on every change (so a {@code Run} stays immutable) and the engine reads it. The defaults here
 * are the documented defaults of {@code Run}'s setters.
 */
public final class RunSettings implements Cloneable {
  public int epochs = 1;
  public Publisher<?> trainSource;
  public Publisher<?> valSource;
  public Publisher<?> testSource;
  public int prefetch = 4;
  public int validateEveryEpochs = 1;
  public long validateEverySteps;
  public long limitTrainBatches = Long.MAX_VALUE;
  public long limitValBatches = Long.MAX_VALUE;
  public long maxSteps = Long.MAX_VALUE;
  public Duration maxTime;
  public Scheduler timer;
  public ThreadFactory stepThreadFactory;
  public ThreadLanes stepLanes;
  public ThreadLanes readerLanes;
  public RunPosition resumeFrom = RunPosition.START;
  public NonFinitePolicy nonFinite = NonFinitePolicy.FAIL;
  public boolean prequential;
  public int windowSize = 100;
  public double fadingFactor = 0.99;
  public List<TrainingSubscriber<?, ?>> subscribers = List.of();
  public List<AsyncSubscriber<?, ?>> asyncSubscribers = List.of();

  /**
   * A copy to change: a field-by-field copy, so a new setting needs no line here (the lists are
   * immutable and shared).
   *
   * @return a new settings object with the same values
   */
  public RunSettings copy() {
    try {
      return (RunSettings) super.clone();
    } catch (CloneNotSupportedException impossible) {
      throw new AssertionError(impossible);
    }
  }
}
