package io.solstice.benchmarks.internal;

import io.solstice.core.models.MlpClassifier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Two copies of one model that the two sides of an interleaved comparison trade after every pair:
 * side A trains one copy and side B the other, then the next pair the other way round.
 *
 * <p>Why: two copies of a model, built alike and trained by the same loop on the same thread,
 * ran 0.968-1.033 times each other's speed in one process (docs/BENCHMARKS.md, "The same model
 * twice"): where their arrays lie in memory differs. A side that kept one copy for the whole
 * comparison would carry that difference into every pair; traded, it falls on each side in half
 * of the pairs.
 *
 * <p>Thread safety: a side may run on another thread than the other (a {@link DedicatedThread}),
 * as long as A and B take turns, each handing over to the next as {@link Interleaved} does.
 */
public final class TradedModels {

  private final MlpClassifier[] models;
  private int pairs;

  /**
   * Builds the two copies.
   *
   * @param model builds one copy; called twice
   */
  public TradedModels(Supplier<MlpClassifier> model) {
    this.models = new MlpClassifier[] {model.get(), model.get()};
  }

  /**
   * Side A of the pair: trains this pair's first copy.
   *
   * @param training trains the copy it is given and returns the trained model
   */
  public synchronized void trainA(UnaryOperator<MlpClassifier> training) {
    int copy = pairs % 2;
    models[copy] = training.apply(models[copy]);
  }

  /**
   * Side B of the pair: trains the other copy, and ends the pair.
   *
   * @param training trains the copy it is given and returns the trained model
   */
  public synchronized void trainB(UnaryOperator<MlpClassifier> training) {
    int copy = (pairs + 1) % 2;
    models[copy] = training.apply(models[copy]);
    pairs++;
  }
}
