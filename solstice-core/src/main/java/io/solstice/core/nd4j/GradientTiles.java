package io.solstice.core.nd4j;

/**
 * A run of a flat gradient that is not made yet, cut into tiles that an optimizer makes on demand
 * ({@link Optimizer#step(GradientTiles)}): each tile's values are updated right after they are
 * made, while they are still in the cache of the core that made them, and the tiles are shared
 * between the update's threads.
 *
 * <p>Why: at batch 32, the first layer's weight gradient of a 784-300-100-10 MLP, made by one
 * two-thread OpenBLAS product and then updated by Adam on two threads, took 255-433 us on the
 * 2-core benchmark machine; made in tiles of 27 rows, each tile a one-thread product followed at
 * once by its update, the two threads took 0.63-0.72 of that time, and a whole training step
 * 0.92-0.97 (docs/BENCHMARKS.md).
 *
 * <p>Tiles are numbered from 0 and lie one after the other: tile {@code t + 1} starts where tile
 * {@code t} ends. {@link #make} may run on several threads at once, for different tiles, and runs
 * once per tile and step.
 */
public interface GradientTiles {

  /** The number of tiles, at least 1. */
  int count();

  /** The flat index of the tile's first gradient value. */
  int start(int tile);

  /** The flat index just after the tile's last gradient value. */
  int end(int tile);

  /** Writes the tile's gradient values, from {@link #start} to before {@link #end}. */
  void make(int tile);
}
