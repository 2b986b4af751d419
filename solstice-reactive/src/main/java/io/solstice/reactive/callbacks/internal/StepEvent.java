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
 * duration spans the step (from the step-start hook to the step-end hook); its fields split
 * the time around it. Visible in JDK Mission Control or {@code jfr print --events
 * io.solstice.Step rec.jfr}.
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

  /** Time waiting for the batch before the step. */
  @Label("Data Wait")
  @Timespan(Timespan.NANOSECONDS)
  public long dataWait;

  /** Time of the step itself. */
  @Label("Step Time")
  @Timespan(Timespan.NANOSECONDS)
  public long stepTime;

  /** Time inside the measured callbacks (0 when not measured). */
  @Label("Callbacks Time")
  @Timespan(Timespan.NANOSECONDS)
  public long callbacksTime;
}
