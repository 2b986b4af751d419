package io.solstice.arrow;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One subscription of a {@link ShuffleBuffer}: the buffer of batches, the generator, and the
 * counts a {@link ShuffleState} records. Every batch read goes into the buffer; once it holds
 * {@code size} batches, one drawn at random is emitted for each batch read, and when the source
 * completes the rest are emitted in random order. The buffer owns its batches until it emits
 * them; {@link #release()} closes the ones left. Thread-safe (the source, the drain and a
 * cancel may run on different threads).
 *
 * <p>A round resumed from a state first refills its buffer: its source starts again at the
 * earliest buffered batch, each batch read that was buffered goes back into its slot, and each
 * one that had already been emitted is closed, until the reads reach the state's count.
 */
final class ShuffleRound {
  private final int size;
  private final long seed;
  private final long round;
  private final SplitMix64 generator;
  private final BiConsumer<BatchPosition, ShuffleState> emitted;
  private final List<ArrowBatch> batches = new ArrayList<>();
  private final List<ShuffleState.Slot> slots = new ArrayList<>();
  private final Map<Long, Integer> refill = new HashMap<>();
  private long nextRead;
  private final long refillUntil;
  private final BatchPosition startAt;
  private boolean sourceDone;
  private boolean released;
  /** False once two batches read had equal positions: the state could not name what to read again. */
  private boolean positionsUnique = true;
  private BatchPosition lastRead;

  private ShuffleRound(int size, long seed, long round, SplitMix64 generator, long firstRead, long refillUntil,
      BatchPosition startAt, BiConsumer<BatchPosition, ShuffleState> emitted) {
    this.startAt = startAt;
    this.size = size;
    this.seed = seed;
    this.round = round;
    this.generator = generator;
    this.nextRead = firstRead;
    this.refillUntil = refillUntil;
    this.emitted = emitted;
  }

  static ShuffleRound fresh(int size, long seed, long round, BiConsumer<BatchPosition, ShuffleState> emitted) {
    return new ShuffleRound(size, seed, round, SplitMix64.forStream(seed, round), 0, 0, null, emitted);
  }

  static ShuffleRound resumed(ShuffleState state, BiConsumer<BatchPosition, ShuffleState> emitted) {
    ShuffleRound r = new ShuffleRound(state.size(), state.seed(), state.round(), new SplitMix64(state.generator()),
        state.resumeRead(), state.reads(), state.resumeAt(), emitted);
    for (int i = 0; i < state.slots().size(); i++) {
      ShuffleState.Slot slot = state.slots().get(i);
      r.batches.add(null);
      r.slots.add(slot);
      r.refill.put(slot.read(), i);
    }
    return r;
  }

  /** Where this round's source starts: null for the beginning. */
  BatchPosition startAt() {
    return startAt;
  }

  /** Takes a batch read from the source; returns the batch to emit now, or null. */
  synchronized ArrowBatch accept(ArrowBatch batch) {
    if (released) {
      batch.close();
      return null;
    }
    long read = nextRead++;
    if (read < refillUntil) {
      Integer slot = refill.remove(read);
      if (slot == null) {
        batch.close(); // emitted before the state was taken
        return null;
      }
      BatchPosition expected = slots.get(slot).position();
      if (!expected.equals(batch.position())) {
        batch.close();
        throw new IllegalStateException("the resumed source does not read what the shuffle buffered: read "
            + read + " was " + expected + " but is now " + batch.position()
            + "; start the source at ShuffleState.resumeAt() and keep its batches the same");
      }
      batches.set(slot, batch);
      return null;
    }
    checkUniquePosition(batch.position());
    batches.add(batch);
    slots.add(new ShuffleState.Slot(read, batch.position()));
    return batches.size() == size ? draw() : null;
  }

  /**
   * A state names the buffered batches by position, so positions must tell the batches apart:
   * slices of one batch (a rebatch before the shuffle) share their batch's position.
   */
  private void checkUniquePosition(BatchPosition position) {
    if (position.equals(lastRead)) {
      positionsUnique = false;
    }
    for (ShuffleState.Slot slot : slots) {
      if (slot.position().equals(position)) {
        positionsUnique = false;
      }
    }
    lastRead = position;
  }

  /** The source completed: the rest of the buffer is emitted, one {@link #drainOne} at a time. */
  synchronized void sourceDone() {
    if (nextRead < refillUntil) {
      throw new IllegalStateException("the resumed source ended after " + nextRead + " reads, before the "
          + refillUntil + " the shuffle state counts; start it at ShuffleState.resumeAt() with the same batches");
    }
    sourceDone = true;
  }

  /** The next batch of the drain after the source completed, or null when the buffer is empty. */
  synchronized ArrowBatch drainOne() {
    if (released || batches.isEmpty()) {
      return null;
    }
    return draw();
  }

  /** Removes a random batch (the last one takes its place) and records the state after it. */
  private ArrowBatch draw() {
    int index = generator.nextInt(batches.size());
    int last = batches.size() - 1;
    ArrowBatch out = batches.get(index);
    batches.set(index, batches.get(last));
    slots.set(index, slots.get(last));
    batches.remove(last);
    slots.remove(last);
    emitted.accept(out.position(), positionsUnique ? new ShuffleState(size, seed, round, generator.state(), nextRead,
        slots, sourceDone && batches.isEmpty()) : null);
    return out;
  }

  /** Closes the batches still buffered; later batches are closed on arrival. */
  void release() {
    List<ArrowBatch> left;
    synchronized (this) {
      released = true;
      left = new ArrayList<>(batches);
      batches.clear();
      slots.clear();
    }
    for (ArrowBatch b : left) {
      if (b != null) {
        b.close();
      }
    }
  }
}
