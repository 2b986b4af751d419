package io.solstice.spark.internal;

import io.solstice.core.NamedArrays;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the driver broadcasts at the start of a round: the experiment's state, each
 * partition's position and, in per-worker mode, each partition's optimizer state.
 *
 * <p>Thread safety: immutable once built (a record); safe to share.
 *
 * @param round the round number, from 0
 * @param state the driver's experiment state
 * @param positions per partition: {file index, batch index} where its round starts
 * @param workerState per partition: its own optimizer arrays (empty unless per-worker)
 * @param reseed whether each partition gets its own {@code rng/seed}
 */
public record RoundBroadcast(
    int round, EncodedState state, Map<Integer, long[]> positions,
    Map<Integer, EncodedState> workerState, boolean reseed) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The conventional name of an experiment's seed array (see MlpClassifier). */
  public static final String SEED = "rng/seed";

  /**
   * The state partition {@code partition} starts from: the broadcast state, its own optimizer
   * arrays over it, and its own seed.
   *
   * @param partition the partition index
   * @return the state
   */
  public NamedArrays stateFor(int partition) {
    NamedArrays base = state.decode();
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>(base.asMap());
    EncodedState own = workerState.get(partition);
    if (own != null) {
      out.putAll(own.decode().asMap());
    }
    INDArray seed = out.get(SEED);
    if (reseed && seed != null && seed.dataType() == DataType.LONG && seed.length() == 1) {
      long mixed = Seeds.mix(seed.getLong(0), round, partition);
      out.put(SEED, Nd4j.createFromArray(new long[] {mixed}).reshape(seed.shape()));
    }
    return NamedArrays.of(out);
  }

  /**
   * Where partition {@code partition} starts this round.
   *
   * @param partition the partition index
   * @return {file index, batch index}
   */
  public long[] positionOf(int partition) {
    return positions.getOrDefault(partition, new long[] {0, 0});
  }
}
