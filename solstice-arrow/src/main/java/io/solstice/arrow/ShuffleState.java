package io.solstice.arrow;

import io.solstice.core.RunPosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The state of a {@link ShuffleBuffer} right after it emitted one batch, for a checkpoint: with
 * it, {@link ShuffleBuffer#resumeFrom} continues with exactly the batches and the order the
 * uninterrupted shuffle would have produced. It holds no data, only where the buffered batches
 * are in the source, so the resumed source must be able to start at {@link #resumeAt()} and read
 * the same batches again.
 *
 * <p>Thread safety: immutable (a record with an unmodifiable list); safe to share.
 *
 * @param size the buffer size of the shuffle it came from
 * @param seed the seed of the shuffle it came from
 * @param round the subscription it belongs to, from 0 (one per epoch when a run reads the shuffle
 *     once per epoch); each round shuffles with its own generator
 * @param generator the generator's state
 * @param reads the batches read from the source in this round so far
 * @param slots the buffered batches, in buffer order
 * @param roundComplete whether the round had emitted its last batch: a resumed shuffle then
 *     starts the next round
 */
public record ShuffleState(
    int size, long seed, long round, long generator, long reads, List<Slot> slots, boolean roundComplete) {

  /**
   * One buffered batch: which read of the round it was, and its position.
   *
   * @param read the batch's index among the reads of its round, from 0
   * @param position its position in the source
   */
  public record Slot(long read, BatchPosition position) {
    /** Validates the fields. */
    public Slot {
      Objects.requireNonNull(position, "position");
    }
  }

  /** Validates the counters and freezes the slots. */
  public ShuffleState {
    slots = List.copyOf(slots);
    if (size < 2 || round < 0 || reads < 0 || slots.size() >= size) {
      throw new IllegalArgumentException("not a shuffle state: size=" + size + ", round=" + round + ", reads="
          + reads + ", " + slots.size() + " slots");
    }
    for (Slot slot : slots) {
      if (slot.read() < 0 || slot.read() >= reads) {
        throw new IllegalArgumentException("slot read " + slot.read() + " is not among the " + reads + " reads");
      }
    }
  }

  /**
   * Where the resumed source must start: the position of the buffered batch read first, or null
   * when the round is complete or nothing is buffered (start at the beginning).
   *
   * @return the start position, or null
   */
  public BatchPosition resumeAt() {
    return earliest() == null ? null : earliest().position();
  }

  /**
   * The read index that {@link #resumeAt()} refers to: batches from there on are read again.
   *
   * @return the read index the resumed source starts at
   */
  public long resumeRead() {
    return earliest() == null ? reads : earliest().read();
  }

  private Slot earliest() {
    if (roundComplete) {
      return null;
    }
    Slot first = null;
    for (Slot slot : slots) {
      if (first == null || slot.read() < first.read()) {
        first = slot;
      }
    }
    return first;
  }

  /**
   * The position to resume the engine from when the run's train source is this shuffle, read
   * once per epoch: the checkpoint's step counters with no batch to skip (the shuffle itself
   * skips what was trained, like a Kafka source), in the checkpoint's epoch, or in the next one
   * when this state ended its round while the checkpoint still stood inside that epoch (the
   * position after an epoch's last step). In that case a validation that was due after the
   * epoch and had not run yet is not run by the resumed run.
   *
   * @param checkpointed the position stored with this state
   * @return the position for {@code Run.resumeFrom}
   */
  public RunPosition engineResumePosition(RunPosition checkpointed) {
    int epoch = roundComplete && checkpointed.batchesIntoEpoch() > 0 ? checkpointed.epoch() + 1 : checkpointed.epoch();
    return new RunPosition(epoch, 0, checkpointed.trainSteps(), checkpointed.valSteps());
  }

  /**
   * This state as plain values for a checkpoint manifest: numbers that need all 64 bits are
   * written as decimal strings, since JSON readers often parse numbers as doubles.
   *
   * @return an ordered map, read back by {@link #fromMap}
   */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("size", size);
    out.put("seed", Long.toString(seed));
    out.put("round", round);
    out.put("generator", Long.toString(generator));
    out.put("reads", reads);
    out.put("roundComplete", roundComplete);
    List<Map<String, Object>> slotMaps = new ArrayList<>();
    for (Slot slot : slots) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("read", slot.read());
      s.put("source", slot.position().source());
      s.put("fragment", slot.position().fragment());
      s.put("batch", slot.position().batch());
      slotMaps.add(s);
    }
    out.put("slots", slotMaps);
    return out;
  }

  /**
   * Reads a state written by {@link #toMap()} (numbers may come back as any {@link Number} or as
   * strings).
   *
   * @param map the values
   * @return the state
   * @throws IllegalArgumentException naming the entry that is missing or malformed
   */
  public static ShuffleState fromMap(Map<String, ?> map) {
    List<Slot> slots = new ArrayList<>();
    Object slotList = entry(map, "slots");
    if (!(slotList instanceof List<?> list)) {
      throw new IllegalArgumentException("shuffle state entry \"slots\" is not a list: " + slotList);
    }
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> s)) {
        throw new IllegalArgumentException("shuffle state slot is not a map: " + item);
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> slot = (Map<String, ?>) s;
      slots.add(new Slot(number(slot, "read"), new BatchPosition(String.valueOf(entry(slot, "source")),
          number(slot, "fragment"), number(slot, "batch"))));
    }
    return new ShuffleState((int) number(map, "size"), number(map, "seed"), number(map, "round"),
        number(map, "generator"), number(map, "reads"), slots,
        Boolean.parseBoolean(String.valueOf(entry(map, "roundComplete"))));
  }

  private static Object entry(Map<String, ?> map, String key) {
    Object value = map.get(key);
    if (value == null) {
      throw new IllegalArgumentException("shuffle state has no \"" + key + "\" entry: " + map.keySet());
    }
    return value;
  }

  private static long number(Map<String, ?> map, String key) {
    Object value = entry(map, key);
    try {
      if (value instanceof Double || value instanceof Float) {
        double d = ((Number) value).doubleValue();
        if (d != Math.rint(d)) {
          throw new NumberFormatException("not whole");
        }
        return (long) d;
      }
      return value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("shuffle state entry \"" + key + "\" is not a whole number: " + value, e);
    }
  }
}
