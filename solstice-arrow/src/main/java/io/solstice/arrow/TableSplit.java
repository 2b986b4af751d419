package io.solstice.arrow;

import io.solstice.arrow.internal.GatherCursor;
import io.solstice.arrow.internal.RowGather;
import io.solstice.arrow.internal.SeededPermutation;
import io.solstice.arrow.internal.SplitFilter;
import io.solstice.arrow.internal.SplitQuotas;
import io.solstice.arrow.internal.StratumColumn;
import io.solstice.arrow.internal.WindowPass;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import reactor.core.publisher.Flux;

/**
 * A table split row by row into train, validation and test parts, each a cold source of Arrow
 * batches.
 *
 * <pre>{@code
 * try (TableSplit split = TableSplit.builder()
 *     .validation(0.2).test(0.2).seed(42).stratifyBy("species")
 *     .plan(ArrowSources.csv(path, allocator, options), allocator)) {
 *   Flux<ArrowBatch> train = split.batches(Split.TRAIN, 64);   // a new row order every epoch
 *   Flux<ArrowBatch> val = split.batches(Split.VALIDATION, 64);
 *   ...
 * }
 * }</pre>
 *
 * <p><b>How rows are assigned.</b> {@link Builder#plan} reads the table once and counts the
 * rows of each stratum (each value of the {@link Builder#stratifyBy} column; without one, the
 * whole table is one stratum, a plain random split). A stratum of {@code n} rows sends
 * {@code round(n * test)} of them to the test split and {@code round(n * validation)} to
 * validation, chosen by a pseudo-random permutation of the stratum's rows (in table order) keyed
 * by the seed: every class is represented in each split in proportion, within one row, and the
 * same seed, fractions and table give the same split, on any machine.
 *
 * <p><b>In memory or streamed.</b> A table whose batches take at most
 * {@link Builder#inMemoryLimit} bytes is kept in memory while the split lives: each split is
 * then emitted by copying its rows into new batches of the asked size, and the train split in a
 * new seeded order every epoch (with {@link Builder#shuffle}, the default). A larger table is
 * streamed: every subscription reads the table again and keeps the rows of its split (the
 * assignment is computed row by row, so nothing but per-class counters is held), copies them out
 * of each table batch and re-batches them to the asked size ({@link ArrowFlux#rebatch}). Both
 * give the same rows in each split; rows in table order come in batches of the same sizes and
 * positions in both.
 *
 * <p><b>Shuffling a streamed table.</b> The streamed train split comes in the very order the
 * in-memory one would (a seeded permutation of its rows, new every epoch), read in passes
 * bounded by the {@link Builder#shuffleWindow shuffle window} of {@code W} rows: pass {@code k}
 * reads the whole table, keeps the train rows whose places in the epoch's order fall in
 * {@code [kW, (k+1)W)} (each row finds its place from its index, without a table of the
 * permutation), and emits them in that order. An epoch of {@code T} train rows takes
 * {@code ceil(T / W)} reads of the table, and holds at most {@code W} rows (plus one batch read
 * and one emitted). So a table sorted by class still trains on batches that mix every class;
 * a larger window means fewer reads. With a window of 0 the streamed train split keeps table
 * order (one read per epoch), for tables already stored in random order. Validation and test
 * rows always come in table order. The batches are those of the table held in memory: the rows
 * of a batch that spans two windows are joined ({@link ArrowFlux#rebatch}).
 *
 * <p><b>Ownership.</b> Every emitted batch belongs to its receiver, who closes it once; each
 * subscription's batches live in a child of the allocator given to {@link Builder#plan}. Close
 * the split to release a table held in memory; the table source's allocator then reports any
 * leak. The table's batches are closed as they are read when streaming.
 *
 * <p>Thread safety: thread-safe; the assignment is immutable, each subscription of a split has its
 * own cursor, counters and child allocator, and a table held in memory is only read.
 */
public final class TableSplit implements AutoCloseable {

  private final Flux<ArrowBatch> table;
  private final BufferAllocator allocator;
  private final StratumColumn strata;
  private final SplitQuotas quotas;
  private final Map<Object, Long> rowsPerStratum;
  private final long seed;
  private final boolean shuffle;
  private final long shuffleWindow;
  private final List<ArrowBatch> kept;
  private final Map<Split, int[][]> rowsInMemory;
  private volatile boolean closed;

  private TableSplit(Builder b, Flux<ArrowBatch> table, BufferAllocator allocator, Map<Object, Long> rowsPerStratum,
      List<ArrowBatch> kept, long shuffleWindow) {
    this.table = table;
    this.allocator = allocator;
    this.strata = new StratumColumn(b.stratifyBy);
    this.rowsPerStratum = Collections.unmodifiableMap(rowsPerStratum);
    this.quotas = new SplitQuotas(rowsPerStratum, b.validation, b.test, b.seed);
    this.seed = b.seed;
    this.shuffle = b.shuffle;
    // A window's slots are indexed by int.
    this.shuffleWindow = Math.min(shuffleWindow, Integer.MAX_VALUE - 8);
    this.kept = kept;
    this.rowsInMemory = kept == null ? Map.of() : assignInMemory();
  }

  /**
   * A builder: no validation or test rows, seed 0, no stratification, shuffled train order, an
   * in-memory limit of a quarter of the allocator's limit or of the JVM's heap, whichever is
   * smaller, and a shuffle window of as many rows as that limit holds.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether the table is held in memory (else every subscription reads it again).
   *
   * @return true when in memory
   */
  public boolean inMemory() {
    return kept != null;
  }

  /**
   * The most train rows a streamed table's shuffle holds at once: each epoch reads the table
   * {@code ceil(rows(TRAIN) / shuffleWindow())} times. 0 when a streamed train split keeps table
   * order (a window of 0, or shuffling off); unused for a table in memory.
   *
   * @return the window in rows
   */
  public long shuffleWindow() {
    return shuffle ? shuffleWindow : 0;
  }

  /**
   * The number of rows of the table.
   *
   * @return the count
   */
  public long rows() {
    return rowsPerStratum.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The number of rows of a split.
   *
   * @param split the split
   * @return the count
   */
  public long rows(Split split) {
    return rowsPerStratum(split).values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The number of rows of each stratum in a split, strata in the order the table first shows
   * them. A stratum is a value of the stratification column: a {@code Long} for an integer
   * column, a {@code String} for a string or dictionary-encoded one, {@code null} for nulls;
   * without stratification the one stratum is the empty string.
   *
   * @param split the split
   * @return stratum to row count, including strata with no row in this split
   */
  public Map<Object, Long> rowsPerStratum(Split split) {
    Map<Object, Long> out = new LinkedHashMap<>();
    rowsPerStratum.keySet().forEach(stratum -> out.put(stratum, quotas.rows(stratum, split)));
    return out;
  }

  /**
   * The rows of a split as batches; the train split's order is the one of epoch 0 at the first
   * subscription. See {@link #batches(Split, int, int)}.
   *
   * @param split the split
   * @param batchSize rows per batch (the last batch may be shorter), at least 1
   * @return a cold source of the split's batches
   */
  public Flux<ArrowBatch> batches(Split split, int batchSize) {
    return batches(split, batchSize, 0);
  }

  /**
   * The rows of a split as batches. Each subscription emits the whole split once: an epoch.
   * With shuffling on, the train split comes in a new order at each subscription of the
   * returned flux, the order of epoch {@code firstEpoch + n} at the {@code n}-th subscription
   * (from 0), so a run resumed at epoch {@code e} passes {@code e} and sees the orders the
   * interrupted run would have; a streamed table gives the same order as one in memory (see
   * the class comment for how, and for a window of 0, which keeps table order). Validation
   * and test rows come in table order.
   *
   * @param split the split
   * @param batchSize rows per batch (the last batch may be shorter), at least 1
   * @param firstEpoch the epoch whose order the first subscription emits
   * @return a cold source of the split's batches
   */
  public Flux<ArrowBatch> batches(Split split, int batchSize, int firstEpoch) {
    Objects.requireNonNull(split, "split");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    String name = "split-" + split.label();
    AtomicInteger epochs = new AtomicInteger(firstEpoch);
    boolean shuffled = shuffle && split == Split.TRAIN;
    if (kept == null) {
      return shuffled && shuffleWindow > 0 ? streamedShuffled(batchSize, name, epochs)
          : streamed(split, batchSize, name);
    }
    int[][] rows = rowsInMemory.get(split);
    return Flux.defer(() -> {
      checkOpen();
      SeededPermutation order = shuffled && rows[0].length > 0 ? trainOrder(epochs.getAndIncrement()) : null;
      return ArrowSources.source(allocator, name,
          lease -> new GatherCursor(name, kept, rows[0], rows[1], order, lease, batchSize, null));
    });
  }

  /** The train rows' order in an epoch: position {@code i} holds the train row {@code apply(i)}. */
  private SeededPermutation trainOrder(int epoch) {
    return new SeededPermutation(rows(Split.TRAIN), SeededPermutation.mix(seed + 0x9E3779B97F4A7C15L * (epoch + 1L)));
  }

  /** The train split of a streamed table in its epoch's order: one pass of the table per window. */
  private Flux<ArrowBatch> streamedShuffled(int batchSize, String name, AtomicInteger epochs) {
    return Flux.defer(() -> {
      checkOpen();
      long train = rows(Split.TRAIN);
      if (train == 0) {
        return Flux.<ArrowBatch>empty();
      }
      SeededPermutation order = trainOrder(epochs.getAndIncrement());
      long passes = (train + shuffleWindow - 1) / shuffleWindow;
      Flux<ArrowBatch> windows = Flux.range(0, (int) passes).concatMap(pass -> {
        long from = pass * shuffleWindow;
        return windowPass(order, from, (int) Math.min(shuffleWindow, train - from), batchSize, name);
      }, 0);
      // Join each window's short last batch with the next window's rows: the batches of a table
      // in memory, not one short batch per window.
      return Rebatch.apply(windows, batchSize, allocator);
    });
  }

  /** Reads the whole table, keeps the rows of one window, then emits them in order. */
  private Flux<ArrowBatch> windowPass(SeededPermutation order, long from, int count, int batchSize, String name) {
    return Flux.defer(() -> {
      checkOpen();
      WindowPass pass = new WindowPass(new SplitFilter(quotas, strata, Split.TRAIN), order, from, count, allocator);
      Flux<ArrowBatch> window = table.doOnNext(batch -> {
            try (batch) {
              pass.accept(batch);
            }
          })
          .thenMany(Flux.defer(() -> ArrowSources.source(allocator, name, lease -> pass.cursor(name, lease, batchSize))));
      return ReleaseBeforeTheEnd.of(window, pass::close)
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }

  /**
   * The split's rows in table order: each table batch's rows of the split are copied out of it,
   * then re-batched to the asked size (rows of several table batches are joined, a second copy)
   * and numbered as the in-memory split numbers its batches.
   */
  private Flux<ArrowBatch> streamed(Split split, int batchSize, String name) {
    return Flux.defer(() -> {
      checkOpen();
      SplitFilter filter = new SplitFilter(quotas, strata, split);
      Flux<ArrowBatch> selected = table.<ArrowBatch>handle((batch, sink) -> {
        ArrowBatch rows;
        try (batch) {
          rows = filter.select(batch, allocator);
        }
        if (rows != null) {
          sink.next(rows);
        }
      }).doOnDiscard(ArrowBatch.class, ArrowBatch::close);
      AtomicLong index = new AtomicLong();
      return Rebatch.apply(selected, batchSize, allocator)
          .map(batch -> batch.at(new BatchPosition(name, 0, index.getAndIncrement())));
    }).doOnDiscard(ArrowBatch.class, ArrowBatch::close);
  }

  /** For each split, the (batch, row) of its rows in table order. */
  private Map<Split, int[][]> assignInMemory() {
    Map<Split, List<int[]>> lists = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      lists.put(split, new ArrayList<>());
    }
    Map<Object, Long> seen = new HashMap<>();
    for (int b = 0; b < kept.size(); b++) {
      Object[] keys = strata.strata(kept.get(b));
      for (int r = 0; r < keys.length; r++) {
        long occurrence = seen.merge(keys[r], 1L, Long::sum) - 1;
        lists.get(quotas.assign(keys[r], occurrence)).add(new int[] {b, r});
      }
    }
    Map<Split, int[][]> out = new EnumMap<>(Split.class);
    lists.forEach((split, list) -> {
      int[][] rows = new int[2][list.size()];
      for (int i = 0; i < list.size(); i++) {
        rows[0][i] = list.get(i)[0];
        rows[1][i] = list.get(i)[1];
      }
      out.put(split, rows);
    });
    return out;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the table split is closed");
    }
  }

  /** Releases the table held in memory (nothing for a streamed table); idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (kept != null) {
      kept.forEach(ArrowBatch::close);
    }
  }

  @Override
  public String toString() {
    return "TableSplit[" + rows() + " rows, " + (inMemory() ? "in memory" : "streamed") + ", train " + rows(Split.TRAIN)
        + ", validation " + rows(Split.VALIDATION) + ", test " + rows(Split.TEST) + "]";
  }

  /** Configures a {@link TableSplit} and plans it by reading the table once. */
  public static final class Builder {
    /** The smallest default shuffle window, in rows, however small the in-memory limit. */
    public static final long MIN_SHUFFLE_WINDOW = 4096;

    private double validation;
    private double test;
    private long seed;
    private String stratifyBy;
    private boolean shuffle = true;
    private long inMemoryLimit = -1;
    private long shuffleWindow = -1;

    private Builder() {}

    /**
     * The fraction of each stratum's rows held out for validation.
     *
     * @param fraction in [0, 1)
     * @return this builder
     */
    public Builder validation(double fraction) {
      this.validation = fraction(fraction, "validation");
      return this;
    }

    /**
     * The fraction of each stratum's rows held out for the test.
     *
     * @param fraction in [0, 1)
     * @return this builder
     */
    public Builder test(double fraction) {
      this.test = fraction(fraction, "test");
      return this;
    }

    /**
     * The seed of the assignment and of the train order.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Stratifies by a class column (integers, strings or dictionary-encoded strings): each
     * split holds each class in proportion. Without it the split is plain random.
     *
     * @param column the class column, or null for none
     * @return this builder
     */
    public Builder stratifyBy(String column) {
      this.stratifyBy = column;
      return this;
    }

    /**
     * Whether the train split comes in a new seeded order every epoch, held in memory or
     * streamed (default true).
     *
     * @param enabled false to keep table order
     * @return this builder
     */
    public Builder shuffle(boolean enabled) {
      this.shuffle = enabled;
      return this;
    }

    /**
     * The most train rows a streamed table's shuffle holds at once (see the class comment):
     * each epoch reads the table once per window of train rows. 0 keeps a streamed train split
     * in table order. By default, as many rows as the in-memory limit holds (by the table's
     * average bytes per row), at least {@value #MIN_SHUFFLE_WINDOW}.
     *
     * @param rows at least 0
     * @return this builder
     */
    public Builder shuffleWindow(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("shuffleWindow must be >= 0, got " + rows);
      }
      this.shuffleWindow = rows;
      return this;
    }

    /**
     * The most bytes of Arrow buffers a table may take to be held in memory; a larger one is
     * streamed.
     *
     * @param bytes at least 0 (0 always streams)
     * @return this builder
     */
    public Builder inMemoryLimit(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("inMemoryLimit must be >= 0, got " + bytes);
      }
      this.inMemoryLimit = bytes;
      return this;
    }

    /**
     * Reads the table once (blocking the calling thread) to count its rows per stratum and,
     * when it fits the in-memory limit, to keep its batches.
     *
     * @param table a cold source of the table's batches: subscribed now, and again for every
     *     pass over a split when the table is streamed
     * @param allocator the parent of the emitted batches' allocators
     * @return the split, holding the table when in memory; close it after use
     * @throws ArrowDataException when the table is empty or the stratification column is
     *     missing or not a class column, or the table cannot be read
     * @throws IllegalArgumentException when the fractions leave no room to train
     */
    public TableSplit plan(Flux<ArrowBatch> table, BufferAllocator allocator) {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(allocator, "allocator");
      if (validation + test >= 1) {
        throw new IllegalArgumentException("validation and test fractions leave nothing to train on: "
            + validation + " + " + test + " >= 1");
      }
      long limit = inMemoryLimit >= 0 ? inMemoryLimit
          : Math.min(allocator.getLimit(), Runtime.getRuntime().maxMemory()) / 4;
      StratumColumn strata = new StratumColumn(stratifyBy);
      Map<Object, Long> counts = new LinkedHashMap<>();
      List<ArrowBatch> kept = new ArrayList<>();
      long[] bytes = {0};
      boolean[] fits = {true};
      try {
        table.doOnNext(batch -> {
          try {
            for (Object key : strata.strata(batch)) {
              counts.merge(key, 1L, Long::sum);
            }
            bytes[0] += bytesOf(batch);
            if (fits[0] && bytes[0] <= limit) {
              kept.add(batch);
              return;
            }
            fits[0] = false;
            kept.forEach(ArrowBatch::close);
            kept.clear();
          } catch (RuntimeException | Error e) {
            kept.forEach(ArrowBatch::close);
            kept.clear();
            batch.close();
            throw e;
          }
          batch.close();
        }).blockLast();
      } catch (RuntimeException | Error e) {
        kept.forEach(ArrowBatch::close);
        throw e;
      }
      if (counts.isEmpty()) {
        kept.forEach(ArrowBatch::close);
        throw new ArrowDataException(null, "the table holds no rows", null);
      }
      if (fits[0] && !sameDictionaries(kept)) {
        // Rows of batches with different dictionaries cannot share one batch: stream instead.
        kept.forEach(ArrowBatch::close);
        fits[0] = false;
      }
      long rows = counts.values().stream().mapToLong(Long::longValue).sum();
      long window = shuffleWindow >= 0 ? shuffleWindow
          : Math.max(MIN_SHUFFLE_WINDOW, limit / Math.max(1, bytes[0] / rows));
      return new TableSplit(this, table, allocator, counts, fits[0] ? kept : null, window);
    }

    private static long bytesOf(ArrowBatch batch) {
      long total = 0;
      for (FieldVector v : batch.root().getFieldVectors()) {
        total += v.getBufferSize();
      }
      return total;
    }

    private static boolean sameDictionaries(List<ArrowBatch> batches) {
      return batches.stream().allMatch(batch -> RowGather.sameDictionaries(batches.get(0), batch));
    }

    private static double fraction(double value, String what) {
      if (!(value >= 0 && value < 1)) {
        throw new IllegalArgumentException("the " + what + " fraction must be in [0, 1), got " + value);
      }
      return value;
    }
  }
}
