package io.solstice.core.models;

import io.solstice.core.nd4j.GradientTiles;
import io.solstice.core.nd4j.HostGemm;
import io.solstice.core.nd4j.HostMatrix;
import io.solstice.core.nd4j.Optimizer;

/**
 * The first layer's weight gradient, {@code features^T delta}, made in tiles of rows inside the
 * optimizer's update ({@link Optimizer#step(GradientTiles)}), where that pays: each tile is one
 * OpenBLAS call small enough to run on its calling thread alone, so the update's two threads make
 * two tiles at once and update each while it is in their core's cache.
 *
 * <p>It pays where the batch is small: at batch 32 the 784 x 300 gradient of a 784-300-100-10 MLP
 * and its update, in tiles of 27 rows, took 0.63-0.72 of the time of one two-thread product and
 * then the update; at batch 128 the 784 x 256 gradient, in tiles of 8 rows, took 1.00-1.12 of it
 * (4 rows: 1.56-2.02), so it is made whole there (docs/BENCHMARKS.md).
 */
final class FirstLayerTiles implements GradientTiles {

  /**
   * OpenBLAS multiplies on the calling thread alone when {@code m n k} is at most this: its
   * {@code GEMM_MULTITHREAD_THRESHOLD} (4) times 65,536.
   */
  static final long ONE_THREAD_PRODUCT = 262_144;
  /** Fewer rows per tile than this, and the calls cost more than the caches save (see above). */
  static final int MIN_ROWS = 16;
  /**
   * A smaller gradient is made whole: it stays in the cores' caches between its product and its
   * update anyway (256 KB of float32), and Adam shares no update this small with a helper thread,
   * so its tiles would all be made on one thread instead of OpenBLAS's two.
   */
  static final int MIN_VALUES = 65_536;

  private final HostMatrix features;
  private final HostMatrix delta;
  private final HostMatrix gradient;
  private final int firstValue;
  private final int rowsPerTile;
  private final int count;

  private FirstLayerTiles(HostMatrix features, HostMatrix delta, HostMatrix gradient, int firstValue, int rowsPerTile) {
    this.features = features;
    this.delta = delta;
    this.gradient = gradient;
    this.firstValue = firstValue;
    this.rowsPerTile = rowsPerTile;
    this.count = (gradient.rows() + rowsPerTile - 1) / rowsPerTile;
  }

  /**
   * The tiles of this gradient, or null where they do not pay or cannot be made: tiles of fewer
   * than {@link #MIN_ROWS} rows, a gradient of fewer than {@link #MIN_VALUES} values or that fits
   * in one tile, an optimizer that needs the whole gradient first
   * ({@link Optimizer#updatesTiles()}), or matrices OpenBLAS cannot take.
   *
   * @param features the batch's features [batch, inputs]
   * @param delta the first layer's delta [batch, outputs], written before the tiles are made
   * @param gradient the first layer's weight gradient [inputs, outputs], a view of the flat gradient
   * @param firstValue the flat index of the gradient's first value
   */
  static FirstLayerTiles of(HostMatrix features, HostMatrix delta, HostMatrix gradient, long firstValue,
      Optimizer optimizer) {
    // Arithmetic first: a thousand small models asking on every step pay only for this.
    int rows = rowsPerTile(gradient.columns(), features.rows());
    if (rows < MIN_ROWS || rows >= gradient.rows() || (long) gradient.rows() * gradient.columns() < MIN_VALUES
        || !optimizer.updatesTiles()
        || !HostGemm.takes(features, delta, gradient, true, false)) {
      return null;
    }
    return new FirstLayerTiles(features, delta, gradient, Math.toIntExact(firstValue), rows);
  }

  /** The rows of a tile that OpenBLAS multiplies on one thread, for a layer of these outputs at this batch size. */
  static int rowsPerTile(int outputs, int batch) {
    long columnsTimesBatch = (long) outputs * batch;
    return columnsTimesBatch <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, ONE_THREAD_PRODUCT / columnsTimesBatch);
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public int start(int tile) {
    return firstValue + tile * rowsPerTile * gradient.columns();
  }

  @Override
  public int end(int tile) {
    return firstValue + lastRow(tile) * gradient.columns();
  }

  @Override
  public void make(int tile) {
    HostGemm.transposedProductRows(features, delta, gradient, tile * rowsPerTile, lastRow(tile));
  }

  /** The row after the tile's last. */
  private int lastRow(int tile) {
    return Math.min(gradient.rows(), (tile + 1) * rowsPerTile);
  }
}
