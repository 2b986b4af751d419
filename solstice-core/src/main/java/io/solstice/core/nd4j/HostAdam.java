package io.solstice.core.nd4j;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Adam's update computed in Java on the CPU backend: the same arithmetic as ND4J's
 * {@code adam_updater} op (first and second moments, bias correction folded into the step
 * size), in the same precision, equal to it up to rounding, except that moments which underflow
 * are stored as zero ({@link SubnormalMoments}): ND4J keeps them subnormal, which made the update
 * of a real training run several times slower.
 *
 * <p>Why: ND4J's op, a plain scalar loop, was about half of a 784-256-10 MLP training step on
 * the 2-core benchmark machine. This loop copies the gradient and the parameters through small
 * heap arrays in blocks, a loop shape the JIT can compile to vector instructions. A whole
 * update of the MLP's 203,530 parameters, subtraction included, took 250 us against 945 us
 * with ND4J's updater ({@code benchmarks/bench jmh AdamJmh}).
 *
 * <p>The moments live on the Java heap, in arrays of one block each, so the loop reads and writes
 * them in place: only the gradient and the parameters, which ND4J's gemms read and write, are
 * copied in and out. Copying the moments too was 4 of the block's 7 copies: one thread took
 * 328-360 us for {@code AdamJmh}'s update that way, against 188-239 us now (runs alternated).
 *
 * <p>An update of at least {@value #PARALLEL_FROM} values is shared, chunk by chunk, with up to
 * three helper threads of the common pool, as many as ND4J's op threads ({@code
 * OMP_NUM_THREADS}) and the cores allow: ND4J's threads sleep while Java code runs, so their cores
 * are free. The result does not depend on how the chunks were shared.
 *
 * <p>An update can also make a run of the gradient itself, tile by tile ({@link GradientTiles}):
 * each tile is updated right after it is made, by the thread that made it, while it is in that
 * core's cache.
 *
 * <p>In float32, where the JVM has Java 17's Vector API ({@code --add-modules=jdk.incubator.vector};
 * {@link VectorAdam}), the loop reads and writes the gradient and the parameters in place instead
 * of copying them through heap arrays, with the same result bit for bit.
 *
 * <p>{@link #exportState} copies the moments into two flat arrays named {@code M} and {@code V}
 * like ND4J's state, and {@link #importMoment} copies a saved state back, so checkpoints move
 * freely between this and ND4J's updater (which the GPU backend and any array that is not a
 * plain host buffer use). The
 * arrays are made when first asked for and reused: a version published every few steps copies the
 * moments into memory it already has. New arrays at each copy made a run that publishes every 10
 * steps about 8% slower ({@code benchmarks/bench publish}: 0.875 of an unpublished run, against
 * 0.948 with the arrays reused).
 */
final class HostAdam {

  /**
   * Values per chunk, the unit threads share an update by: large enough that taking a chunk (an
   * atomic counter both cores write) is rare. With chunks of 512 values, two threads took 243-253
   * us for an update that took them 213-225 us with 2048 ({@code AdamJmh}).
   */
  private static final int CHUNK = 2048;
  /**
   * Values per block: the length of each moment array, and of the copies of the gradient and the
   * parameters, so that a block's arrays share the 32 KB first-level cache with the memory being
   * streamed. One thread updated 203,530 parameters in 184 +- 21 us with blocks of 512 values,
   * against 212 +- 10 us when a whole 2048-value chunk went through its copies ({@code
   * AdamJmh}).
   */
  private static final int BLOCK = 512;
  /**
   * Updates from this many values on are shared with helper threads: below it, waking a helper
   * costs more than it saves.
   */
  static final int PARALLEL_FROM = 65_536;
  /** The state's variables, in the order their names sort in, as in ND4J's state. */
  static final List<String> VARIABLES = List.of(AdamUpdater.M_STATE, AdamUpdater.V_STATE);
  /** Helper threads per update at most, besides the calling thread. */
  private static final int HELPERS_AT_MOST = 3;
  /**
   * Whether this JVM can run {@link VectorAdam}'s loop: probed once. A lambda, not a method
   * reference, so that VectorAdam is loaded only inside the probe, where a missing module is caught.
   */
  private static final boolean VECTORS_AVAILABLE = VectorApi.runs(() -> VectorAdam.probe());

  private final Adam config;
  private final DataType type;
  private final int length;
  private final ByteBuffer gradientBytes;
  /** Whether float32 updates run {@link VectorAdam}'s loop. */
  private final boolean vectors;
  // Views made once: a view made per block was an allocation the JIT removed in some processes
  // and not in others, up to a third of an update's time where it stayed.
  private final FloatBuffer gradientFloats;
  private final DoubleBuffer gradientDoubles;
  /** The moments, one array per block (the last one shorter); null in the other precision. */
  private final float[][] mFloats;
  private final float[][] vFloats;
  private final double[][] mDoubles;
  private final double[][] vDoubles;
  /** The moments as ND4J keeps them, for checkpoints: made when first asked for. */
  private Map<String, INDArray> stateArrays;
  /**
   * The calling thread's copies of a block's gradient and parameters: float[2][] or double[2][];
   * null for {@link VectorAdam}'s loop, which needs none.
   */
  private final Object blockCopies;
  /**
   * The threads an update may use: ND4J's own op-thread setting ({@code OMP_NUM_THREADS}), so
   * a user who gives ND4J one thread gets a one-thread update, and no more than the cores.
   */
  private final int threads;

  private HostAdam(Adam config, ByteBuffer gradientBytes, DataType type, int length, int threads, boolean vectors) {
    this.config = config;
    this.type = type;
    this.length = length;
    this.threads = threads;
    boolean floats = type == DataType.FLOAT;
    this.gradientBytes = gradientBytes;
    this.vectors = floats && vectors;
    this.gradientFloats = floats ? gradientBytes.asFloatBuffer() : null;
    this.gradientDoubles = floats ? null : gradientBytes.asDoubleBuffer();
    this.mFloats = floats ? floatBlocks(length) : null;
    this.vFloats = floats ? floatBlocks(length) : null;
    this.mDoubles = floats ? null : doubleBlocks(length);
    this.vDoubles = floats ? null : doubleBlocks(length);
    this.blockCopies = newBlockCopies();
  }

  /**
   * One thread's copies of a block's gradient and parameters, or null for {@link VectorAdam}'s
   * loop. A small model's are as long as its parameters: a service keeps thousands of them.
   */
  private Object newBlockCopies() {
    int copyLength = Math.min(BLOCK, length);
    return vectors ? null : type == DataType.FLOAT ? new float[2][copyLength] : new double[2][copyLength];
  }

  private static float[][] floatBlocks(int length) {
    float[][] blocks = new float[(length + BLOCK - 1) / BLOCK][];
    for (int b = 0; b < blocks.length; b++) {
      blocks[b] = new float[Math.min(BLOCK, length - b * BLOCK)];
    }
    return blocks;
  }

  private static double[][] doubleBlocks(int length) {
    double[][] blocks = new double[(length + BLOCK - 1) / BLOCK][];
    for (int b = 0; b < blocks.length; b++) {
      blocks[b] = new double[Math.min(BLOCK, length - b * BLOCK)];
    }
    return blocks;
  }

  /**
   * The host implementation for this configuration, bound to these gradients, or null when ND4J's
   * updater must be used (another updater, the GPU backend, a data type other than float32 or
   * float64, or gradients that are not one plain host buffer).
   *
   * @param updater the updater configuration
   * @param gradients the flat gradient array that every {@link #apply} updates
   * @return the implementation, or null
   */
  static HostAdam forUpdater(Object updater, INDArray gradients) {
    return forUpdater(updater, gradients,
        Math.min(Nd4j.getEnvironment().maxThreads(), Runtime.getRuntime().availableProcessors()));
  }

  /** {@link #forUpdater(Object, INDArray)} with an update using up to {@code threads} threads. */
  static HostAdam forUpdater(Object updater, INDArray gradients, int threads) {
    return forUpdater(updater, gradients, threads, VECTORS_AVAILABLE);
  }

  /**
   * {@link #forUpdater(Object, INDArray, int)}, choosing the loop: {@link VectorAdam}'s where
   * {@code vectors} is true (it must be available) and the values are float32, the plain loop
   * otherwise.
   */
  static HostAdam forUpdater(Object updater, INDArray gradients, int threads, boolean vectors) {
    if (updater == null || updater.getClass() != Adam.class) {
      return null;
    }
    if (vectors && !VECTORS_AVAILABLE) {
      throw new IllegalStateException("the Vector API is not available in this JVM");
    }
    ByteBuffer bytes = HostBytes.of(gradients);
    return bytes == null ? null
        : new HostAdam((Adam) updater, bytes, gradients.dataType(), (int) gradients.length(), Math.max(1, threads),
            vectors);
  }

  /** Whether this JVM can run {@link VectorAdam}'s loop; where not, {@link #forUpdater} uses the plain loop. */
  static boolean vectorsAvailable() {
    return VECTORS_AVAILABLE;
  }

  /**
   * The state as ND4J's updater keeps it, by variable name: flat [length] arrays {@code M} and
   * {@code V}, made at the first call (outside any workspace the caller has open) and reused.
   * {@link #exportState} fills them.
   */
  Map<String, INDArray> stateArrays() {
    if (stateArrays == null) {
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put(AdamUpdater.M_STATE, Nd4j.create(type, length));
        arrays.put(AdamUpdater.V_STATE, Nd4j.create(type, length));
        stateArrays = arrays;
      }
    }
    return stateArrays;
  }

  /** Copies the moments into {@link #stateArrays()}. */
  void exportState() {
    for (String variable : VARIABLES) {
      copy(variable, 0, length, HostBytes.of(stateArrays().get(variable)), false);
    }
  }

  /**
   * Replaces part of one moment with a parameter's slice of a saved state, without making {@link
   * #stateArrays()}: a model rebuilt from a state (a published version, a restored checkpoint)
   * may never be asked for its own.
   *
   * @param variable {@code M} or {@code V}
   * @param offset where the parameter's values start in the flat moment
   * @param values the slice, in C order, of this update's data type
   */
  void importMoment(String variable, int offset, INDArray values) {
    ByteBuffer bytes = HostBytes.of(values);
    copy(variable, offset, (int) values.length(), bytes != null ? bytes : HostBytes.of(values.dup('c')),
        true);
  }

  /**
   * Copies {@code n} values between a flat buffer and a moment's blocks, from the moment's value
   * {@code offset} on: into the moment, or out of it.
   */
  private void copy(String variable, int offset, int n, ByteBuffer flat, boolean intoMoment) {
    boolean first = AdamUpdater.M_STATE.equals(variable);
    FloatBuffer floats = type == DataType.FLOAT ? flat.asFloatBuffer() : null;
    DoubleBuffer doubles = floats == null ? flat.asDoubleBuffer() : null;
    for (int i = 0; i < n; ) {
      int block = (offset + i) / BLOCK;
      int within = (offset + i) % BLOCK;
      int count = Math.min(BLOCK - within, n - i);
      if (floats != null) {
        float[] moment = (first ? mFloats : vFloats)[block];
        if (intoMoment) {
          floats.get(i, moment, within, count);
        } else {
          floats.put(i, moment, within, count);
        }
      } else {
        double[] moment = (first ? mDoubles : vDoubles)[block];
        if (intoMoment) {
          doubles.get(i, moment, within, count);
        } else {
          doubles.put(i, moment, within, count);
        }
      }
      i += count;
    }
  }

  /**
   * Turns the gradient (the array given to {@link #forUpdater}) into the update, in place, and
   * advances the moments.
   *
   * @param iteration the iteration, from 0 (bias correction uses iteration + 1)
   * @param epoch the epoch, for the learning-rate schedule
   */
  void apply(int iteration, int epoch) {
    apply(iteration, epoch, null);
  }

  /**
   * Advances the moments and subtracts each update from {@code values} (the parameters, as
   * {@link HostBytes#of} gives them) in the same pass, bit for bit the values {@link #apply(int,
   * int)} and a subtraction would give. The gradient is only read: not writing the update back
   * saves one of the pass's seven streams of memory ({@code AdamJmh}: 250 us per update of
   * 203,530 parameters, against 310 us when the update was written back).
   *
   * @param iteration the iteration, from 0
   * @param epoch the epoch
   * @param values the parameters to update, as long as the gradient, or null to write the
   *     update into the gradient instead
   */
  void apply(int iteration, int epoch, ByteBuffer values) {
    run(iteration, epoch, values, null);
  }

  /**
   * {@link #apply(int, int, ByteBuffer)} for a gradient of which a run of values is not made yet:
   * each of the tiles is made ({@link GradientTiles#make}) and its values updated at once, by
   * whichever thread of the update takes it, while the rest of the gradient is updated in chunks.
   * The result is what making every tile first and then calling {@link #apply(int, int,
   * ByteBuffer)} gives, bit for bit.
   *
   * @param values the parameters to update, as long as the gradient
   * @param tiles the tiles, which lie within the gradient
   */
  void apply(int iteration, int epoch, ByteBuffer values, GradientTiles tiles) {
    if (values == null) {
      throw new IllegalArgumentException("tiles are updated with the subtraction in the same pass only");
    }
    int last = tiles.count() - 1;
    if (last < 0 || tiles.start(0) < 0 || tiles.end(last) > length) {
      throw new IllegalArgumentException("the tiles must lie within the gradient's " + length + " values");
    }
    for (int t = 0; t <= last; t++) {
      if (tiles.end(t) <= tiles.start(t) || (t < last && tiles.end(t) != tiles.start(t + 1))) {
        throw new IllegalArgumentException("tile " + t + " is empty or does not end where the next one starts");
      }
    }
    run(iteration, epoch, values, tiles);
  }

  private void run(int iteration, int epoch, ByteBuffer values, GradientTiles tiles) {
    double beta1 = config.getBeta1();
    double beta2 = config.getBeta2();
    double epsilon = config.getEpsilon();
    double stepSize = config.getLearningRate(iteration, epoch)
        * Math.sqrt(1 - Math.pow(beta2, iteration + 1.0)) / (1 - Math.pow(beta1, iteration + 1.0));
    boolean floats = type == DataType.FLOAT;
    boolean flushSecond = SubnormalMoments.flushesSecondMoment(epsilon);
    // Absolute bulk gets and puts leave a view's position alone, so threads share these views.
    FloatBuffer floatValues = floats && values != null ? values.asFloatBuffer() : null;
    DoubleBuffer doubleValues = !floats && values != null ? values.asDoubleBuffer() : null;
    RangeUpdate update = vectors
        ? (start, end, copies) -> forEachBlock(start, end, (from, n, offset) -> VectorAdam.update(gradientBytes,
            values, from, n, mFloats[from / BLOCK], vFloats[from / BLOCK], offset, (float) beta1, (float) beta2,
            (float) epsilon, (float) stepSize, flushSecond))
        : floats
        ? (start, end, copies) -> forEachBlock(start, end, (from, n, offset) -> applyFloat(from, n, offset,
            (float[][]) copies, floatValues, (float) beta1, (float) beta2, (float) epsilon, (float) stepSize,
            flushSecond))
        : (start, end, copies) -> forEachBlock(start, end, (from, n, offset) -> applyDouble(from, n, offset,
            (double[][]) copies, doubleValues, beta1, beta2, epsilon, stepSize, flushSecond));
    Pass pass = new Pass(new Units(length, tiles), update);
    int helpers = length < PARALLEL_FROM ? 0 : Math.min(HELPERS_AT_MOST, threads - 1);
    for (int h = 0; h < helpers; h++) {
      ForkJoinPool.commonPool().execute(
          () -> pass.take(newBlockCopies(), true));
    }
    pass.take(blockCopies, false);
    pass.awaitDone();
  }

  /** The update of the values from {@code start} to before {@code end}, with the block copies of the thread that runs it. */
  private interface RangeUpdate {
    void apply(int start, int end, Object copies);
  }

  /** The update of the {@code n} values from {@code start}, within one {@link #BLOCK}, from its value {@code offset}. */
  private interface BlockUpdate {
    void apply(int start, int n, int offset);
  }

  private static void forEachBlock(int start, int end, BlockUpdate update) {
    for (int from = start; from < end; ) {
      int to = Math.min(end, (from / BLOCK + 1) * BLOCK);
      update.apply(from, to - from, from % BLOCK);
      from = to;
    }
  }

  /**
   * One update's units of work: the tiles first, each made then updated, then the rest of the
   * values in chunks of {@link #CHUNK}, those before the tiles and those after them.
   */
  private static final class Units {
    private final GradientTiles tiles;
    private final int tileCount;
    private final int length;
    /** Where the tiles start and end (both 0 without tiles). */
    private final int tilesStart;
    private final int tilesEnd;
    private final int chunksBefore;
    private final int count;

    Units(int length, GradientTiles tiles) {
      this.tiles = tiles;
      this.length = length;
      this.tileCount = tiles == null ? 0 : tiles.count();
      this.tilesStart = tiles == null ? 0 : tiles.start(0);
      this.tilesEnd = tiles == null ? 0 : tiles.end(tileCount - 1);
      this.chunksBefore = (tilesStart + CHUNK - 1) / CHUNK;
      this.count = tileCount + chunksBefore + (length - tilesEnd + CHUNK - 1) / CHUNK;
    }

    /** Makes the unit's tile, if it is one, and updates its values. */
    void run(int unit, RangeUpdate update, Object copies) {
      if (unit < tileCount) {
        tiles.make(unit);
        update.apply(tiles.start(unit), tiles.end(unit), copies);
        return;
      }
      int chunk = unit - tileCount;
      int start = chunk < chunksBefore ? chunk * CHUNK : tilesEnd + (chunk - chunksBefore) * CHUNK;
      int end = Math.min(chunk < chunksBefore ? tilesStart : length, start + CHUNK);
      update.apply(start, end, copies);
    }
  }

  /**
   * The units of one update (tiles and chunks), taken one at a time by the calling thread and by
   * helpers of the common pool. A helper that starts late finds nothing left, and a pool busy
   * with other work only means the calling thread runs every unit: it never waits for a helper to
   * start, only for units a helper has already taken (each a few microseconds, a tile some tens).
   * Each value's arithmetic does not depend on which thread computes it, so the result is the
   * same bit for bit.
   *
   * <p>The calling thread takes units from the first on, helpers from the last one back, so that
   * each thread streams through memory in one direction and they meet once. After a two-thread
   * gemm of a 784 x 300 weight gradient, two threads updated it in 96-105 us that way, against
   * 102-116 us taking chunks alternately from one counter (a scratch program, six rounds).
   */
  private static final class Pass {
    private final Units units;
    private final RangeUpdate update;
    /** The units not taken yet, from {@code first(range)} to before {@code end(range)}. */
    private final AtomicLong range;
    private final AtomicInteger done = new AtomicInteger();
    /** The first failure of a unit (a tile that could not be made), rethrown by {@link #awaitDone}. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    Pass(Units units, RangeUpdate update) {
      this.units = units;
      this.update = update;
      this.range = new AtomicLong(units.count);
    }

    /** Runs units until none is left: from the front, or from the end. */
    void take(Object copies, boolean fromTheEnd) {
      for (int unit = next(fromTheEnd); unit >= 0; unit = next(fromTheEnd)) {
        try {
          units.run(unit, update, copies);
        } catch (Throwable t) {
          // Counted as done all the same, so that the calling thread stops waiting and throws it.
          failure.compareAndSet(null, t);
        } finally {
          done.incrementAndGet();
        }
      }
    }

    /** Takes the first or the last unit left, or returns -1 when none is. */
    private int next(boolean fromTheEnd) {
      while (true) {
        long left = range.get();
        int first = (int) (left >>> 32);
        int end = (int) left;
        if (first >= end) {
          return -1;
        }
        long rest = fromTheEnd ? (long) first << 32 | end - 1 : (long) (first + 1) << 32 | end;
        if (range.compareAndSet(left, rest)) {
          return fromTheEnd ? end - 1 : first;
        }
      }
    }

    void awaitDone() {
      // At most the units helpers are running: spin briefly, then give up the core, in case
      // a helper that holds a unit needs it.
      for (int spins = 0; done.get() < units.count; spins++) {
        if (spins < 1_000) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
      Throwable failed = failure.get();
      if (failed instanceof RuntimeException) {
        throw (RuntimeException) failed;
      }
      if (failed instanceof Error) {
        throw (Error) failed;
      }
      if (failed != null) {
        throw new IllegalStateException(failed);
      }
    }
  }

  private void applyFloat(int start, int n, int offset, float[][] copies, FloatBuffer p,
      float beta1, float beta2, float epsilon, float stepSize, boolean flushSecond) {
    FloatBuffer g = gradientFloats;
    float[] gc = copies[0];
    float[] pc = copies[1];
    float[] mc = mFloats[start / BLOCK];
    float[] vc = vFloats[start / BLOCK];
    float oneMinusBeta1 = 1 - beta1;
    float oneMinusBeta2 = 1 - beta2;
    g.get(start, gc, 0, n);
    if (p == null) {
      // -0 - update is exactly -update, signed zeros included: negated below, it is the update.
      Arrays.fill(pc, 0, n, -0.0f);
    } else {
      p.get(start, pc, 0, n);
    }
    // The flush's comparison keeps the JIT from vectorising this loop: about twice as slow as
    // without it where no moment underflows, three times faster where many do (a scratch loop of
    // 784-300-100-10 batch-32 steps without the Vector module: 430-510 us per update either way,
    // against 210 and 1,400-1,500 us before).
    for (int i = 0; i < n; i++) {
      float gi = gc[i];
      float mi = SubnormalMoments.flush(beta1 * mc[offset + i] + gi * oneMinusBeta1);
      float vi = beta2 * vc[offset + i] + gi * gi * oneMinusBeta2;
      vi = flushSecond ? SubnormalMoments.flush(vi) : vi;
      mc[offset + i] = mi;
      vc[offset + i] = vi;
      pc[i] -= mi * stepSize / ((float) Math.sqrt(vi) + epsilon);
    }
    if (p == null) {
      for (int i = 0; i < n; i++) {
        gc[i] = -pc[i];
      }
      g.put(start, gc, 0, n);
    } else {
      p.put(start, pc, 0, n);
    }
  }

  // The float32 loop again for float64: Java has no generics over primitive arrays, and one
  // loop over doubles would widen every float32 value and change its rounding.
  private void applyDouble(int start, int n, int offset, double[][] copies, DoubleBuffer p,
      double beta1, double beta2, double epsilon, double stepSize, boolean flushSecond) {
    DoubleBuffer g = gradientDoubles;
    double[] gc = copies[0];
    double[] pc = copies[1];
    double[] mc = mDoubles[start / BLOCK];
    double[] vc = vDoubles[start / BLOCK];
    g.get(start, gc, 0, n);
    if (p == null) {
      Arrays.fill(pc, 0, n, -0.0);
    } else {
      p.get(start, pc, 0, n);
    }
    for (int i = 0; i < n; i++) {
      double gi = gc[i];
      double mi = SubnormalMoments.flush(beta1 * mc[offset + i] + gi * (1 - beta1));
      double vi = beta2 * vc[offset + i] + gi * gi * (1 - beta2);
      vi = flushSecond ? SubnormalMoments.flush(vi) : vi;
      mc[offset + i] = mi;
      vc[offset + i] = vi;
      pc[i] -= mi * stepSize / (Math.sqrt(vi) + epsilon);
    }
    if (p == null) {
      for (int i = 0; i < n; i++) {
        gc[i] = -pc[i];
      }
      g.put(start, gc, 0, n);
    } else {
      p.put(start, pc, 0, n);
    }
  }
}
