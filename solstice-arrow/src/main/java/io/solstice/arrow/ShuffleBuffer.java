package io.solstice.arrow;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * A bounded, seeded shuffle of a stream of batches (the shuffle buffer of {@code tf.data}): it
 * keeps up to {@code size} batches, emits one drawn at random for each batch it reads once full,
 * and empties itself in random order when the source completes. Memory is bounded by {@code
 * size} batches whatever the stream's length; batches are emitted as they are (no copy). For
 * finer mixing, read the source in small batches ({@code ReadOptions.batchSize}) and {@link
 * ArrowFlux#rebatch} to the training size after the shuffle.
 *
 * <p><b>Rounds and determinism.</b> Each subscription of {@link #shuffle} is a round, numbered
 * from 0, with a generator derived from the seed and the round, so a run that reads the shuffle
 * once per epoch gets a new order each epoch, and the same seed gives the same orders. A {@code
 * ShuffleBuffer} therefore belongs to one run (two runs sharing it would share its round count).
 *
 * <p><b>Checkpoints.</b> {@link #stateAfter(BatchPosition)} gives the {@link ShuffleState}
 * right after a given batch was emitted (typically the batch of the last train step, found
 * while a synchronous subscriber handles its {@code StepEnded}); the states of the last {@value
 * #HISTORY} emitted batches are kept, far more than a run's prefetch. A shuffle made with {@link
 * #resumeFrom} continues from such a state: its first round asks {@code sourceAt} for the source
 * starting at {@link ShuffleState#resumeAt()}, refills its buffer, and goes on exactly as the
 * uninterrupted shuffle would have; later rounds are fresh. A state names batches by their
 * positions, so the shuffled batches need positions of their own (a source's batches have them;
 * the slices {@link ArrowFlux#rebatch} makes of one batch share its position, and a round that
 * reads such slices has no state). Resume the engine at {@link
 * ShuffleState#engineResumePosition}: the checkpoint's step counters with no batch to skip, since
 * the shuffle itself skips what was trained.
 *
 * <p><b>Ownership and backpressure.</b> Batches in the buffer belong to it until emitted, and are
 * closed when the subscription is cancelled or fails. One batch is read per batch requested once
 * the buffer is full; filling it reads {@code size - 1} more.
 *
 * <p>Thread safety: thread-safe; its subscriptions may run on any threads, and {@link #stateAfter}
 * may be called from any thread (typically the training thread).
 */
public final class ShuffleBuffer {
  /** How many emitted batches' states {@link #stateAfter} can find. */
  public static final int HISTORY = 1024;

  private final int size;
  private final long seed;
  private ShuffleState resume;
  private long nextRound;
  private final Map<BatchPosition, ShuffleState> states = new IdentityHashMap<>();
  private final ArrayDeque<BatchPosition> order = new ArrayDeque<>();

  ShuffleBuffer(int size, long seed, ShuffleState resume) {
    if (size < 2) {
      throw new IllegalArgumentException("a shuffle buffer needs room for at least 2 batches, got " + size);
    }
    this.size = size;
    this.seed = seed;
    this.resume = resume;
  }

  /**
   * The buffer size in batches.
   *
   * @return the size
   */
  public int size() {
    return size;
  }

  /**
   * The seed.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * A shuffle of the same size and seed that continues from {@code state}.
   *
   * @param state a state of a shuffle of this size and seed
   * @return the new shuffle
   * @throws IllegalArgumentException if the state belongs to a shuffle of another size or seed
   */
  public ShuffleBuffer resumeFrom(ShuffleState state) {
    Objects.requireNonNull(state, "state");
    if (state.size() != size || state.seed() != seed) {
      throw new IllegalArgumentException("the state is of a shuffle of size " + state.size() + " and seed "
          + state.seed() + ", not " + size + " and " + seed);
    }
    return new ShuffleBuffer(size, seed, state);
  }

  /**
   * The shuffled batches of a source. {@code sourceAt} is called once per round with where the
   * source must start: null for the beginning, or a resumed round's {@link
   * ShuffleState#resumeAt()}. A source that cannot start elsewhere may ignore it only when the
   * shuffle is never resumed.
   *
   * @param sourceAt the source, starting at the given position (or at the beginning for null)
   * @return the shuffled batches; each subscription is a new round
   */
  public Flux<ArrowBatch> shuffle(Function<BatchPosition, ? extends Publisher<ArrowBatch>> sourceAt) {
    Objects.requireNonNull(sourceAt, "sourceAt");
    return Flux.defer(() -> {
      ShuffleRound round = startRound();
      Flux<ArrowBatch> input = Flux.from(sourceAt.apply(round.startAt()));
      Flux<ArrowBatch> shuffled = input.<ArrowBatch>handle((batch, sink) -> {
            try {
              ArrowBatch out = round.accept(batch);
              if (out != null) {
                sink.next(out);
              }
            } catch (RuntimeException e) {
              sink.error(e);
            }
          })
          .concatWith(Flux.defer(() -> {
            round.sourceDone();
            return Flux.<ArrowBatch>generate(sink -> {
              ArrowBatch out = round.drainOne();
              if (out == null) {
                sink.complete();
              } else {
                sink.next(out);
              }
            });
          }));
      return ReleaseBeforeTheEnd.of(shuffled, round::release)
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }

  /**
   * The state right after the batch with this very position object was emitted (the position of
   * the {@link ArrowBatch}, or of the {@link ArrowTensorBatch} made from it).
   *
   * @param emitted the emitted batch's position object
   * @return the state to checkpoint
   * @throws IllegalArgumentException if that batch is not among the last {@value #HISTORY}
   *     emitted
   * @throws IllegalStateException if the round read batches with equal positions (the slices a
   *     rebatch makes of one batch), which a state cannot tell apart
   */
  public synchronized ShuffleState stateAfter(BatchPosition emitted) {
    if (!states.containsKey(emitted)) {
      throw new IllegalArgumentException("batch " + emitted + " is not among the last " + HISTORY
          + " batches this shuffle emitted (pass the very position object of an emitted batch)");
    }
    ShuffleState state = states.get(emitted);
    if (state == null) {
      throw new IllegalStateException("this round of the shuffle read batches with equal positions (slices of one "
          + "batch, as a rebatch makes), so a state could not say which batches to read again; rebatch at the "
          + "source instead (ReadOptions.batchSize), whose batches have positions of their own");
    }
    return state;
  }

  private synchronized ShuffleRound startRound() {
    ShuffleState from = resume;
    resume = null;
    if (from != null) {
      nextRound = from.round() + 1;
      if (!from.roundComplete()) {
        return ShuffleRound.resumed(from, this::record);
      }
    }
    return ShuffleRound.fresh(size, seed, nextRound++, this::record);
  }

  private synchronized void record(BatchPosition position, ShuffleState state) {
    if (states.put(position, state) == null) {
      order.addLast(position);
    }
    while (order.size() > HISTORY) {
      states.remove(order.removeFirst());
    }
  }
}
