package io.solstice.kafka.planted;

import io.solstice.arrow.internal.IpcFileCheck;

/** Breaks {@code INTERNALS_STAY_IN_THEIR_MODULE}: the Kafka module using an Arrow internal. */
public final class ReachingIntoArrowInternals {
  public String name() {
    return IpcFileCheck.class.getName();
  }
}
