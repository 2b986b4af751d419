package io.solstice.reactive.internal;

import io.solstice.reactive.TrainingEvent;

/** The engine's side of {@link TrainingEvent.Batch}: open until the step's batch is closed. */
final class StepBatch implements TrainingEvent.Batch {

  private final Object batch;
  private volatile boolean open = true;

  StepBatch(Object batch) {
    this.batch = batch;
  }

  @Override
  public Object get() {
    if (!open) {
      throw new IllegalStateException("the batch of this step has been closed: a batch is "
          + "readable only while synchronous subscribers handle its StepStarted/StepEnded");
    }
    return batch;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  void release() {
    open = false;
  }

  @Override
  public String toString() {
    return open ? "Batch[" + batch + "]" : "Batch[closed]";
  }
}
