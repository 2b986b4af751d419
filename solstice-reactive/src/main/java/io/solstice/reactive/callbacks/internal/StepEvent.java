package io.solstice.reactive.callbacks.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JDK Flight Recorder event of one train/eval step, named {@code io.solstice.Step}. Its
 * duration spans the step as the profiler sees it (from its handling of {@code StepStarted} to
 * its handling of {@code StepEnded}); its fields are the engine's split of the time around the
 * step ({@link io.solstice.reactive.TrainingEvent.Timings}). Visible in JDK Mission Control or
 * {@code jfr print --events io.solstice.Step rec.jfr}.
 */
@Name("io.solstice.Step")
@Label("Solstice Step")
@Category("Solstice")
@Description("One train, val or test step of a Solstice run")
@StackTrace(false)
public final class StepEvent extends Event {

  /** TRAIN, VAL or TEST, lower case. */
  @Label("Mode")
  public String mode;

  /** The step's number in its mode, from 0. */
  @Label("Step")
  public long step;

  /** The epoch, from 0. */
  @Label("Epoch")
  public int epoch;

  /** Time waiting for the batch before the step (from the previous step's subscribers). */
  @Label("Data Wait")
  @Timespan(Timespan.NANOSECONDS)
  public long dataWait;

  /** Time of the step itself. */
  @Label("Step Time")
  @Timespan(Timespan.NANOSECONDS)
  public long stepTime;

  /** Time in the synchronous subscribers of the previous step's end and of this step's start. */
  @Label("Subscribers Time")
  @Timespan(Timespan.NANOSECONDS)
  public long subscribersTime;
}
