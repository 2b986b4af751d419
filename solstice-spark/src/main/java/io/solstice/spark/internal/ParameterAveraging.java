package io.solstice.spark.internal;

import io.solstice.core.NamedArrays;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Combines the partitions' states on the driver: floating-point arrays are averaged, weighted
 * by each partition's examples, summing in double precision in partition order (so the result
 * does not depend on task scheduling); integer arrays (counters) are taken from the first
 * partition that had data, except the named ones, which keep the broadcast value. Floating-point
 * arrays named as summed (counters, sufficient statistics) add the partitions' changes instead:
 * broadcast value plus the sum over partitions of (partition value - broadcast value).
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class ParameterAveraging {
  private ParameterAveraging() {}

  /**
   * The averaged state, or the broadcast state unchanged when no partition had data.
   *
   * @param broadcast the state the round started from
   * @param results the partitions' results in partition order
   * @param keepFromBroadcast integer arrays restored from the broadcast (the seed)
   * @return the new state
   */
  public static NamedArrays average(
      EncodedState broadcast, Collection<PartitionResult> results, Set<String> keepFromBroadcast) {
    return average(broadcast, results, keepFromBroadcast, name -> false);
  }

  /**
   * The combined state, or the broadcast state unchanged when no partition had data.
   *
   * @param broadcast the state the round started from
   * @param results the partitions' results in partition order
   * @param keepFromBroadcast integer arrays restored from the broadcast (the seed)
   * @param summed which floating-point arrays add the partitions' changes
   * @return the new state
   */
  public static NamedArrays average(
      EncodedState broadcast, Collection<PartitionResult> results, Set<String> keepFromBroadcast,
      Predicate<String> summed) {
    List<PartitionResult> contributing = new ArrayList<>();
    long totalExamples = 0;
    for (PartitionResult result : results) {
      if (result.examples() > 0) {
        contributing.add(result);
        totalExamples += result.examples();
      }
    }
    if (contributing.isEmpty()) {
      return broadcast.decode();
    }
    EncodedState first = contributing.get(0).state();
    for (PartitionResult result : contributing) {
      checkSameNames(first, result);
    }
    LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
    NamedArrays broadcastArrays = null;
    for (int i = 0; i < first.size(); i++) {
      String name = first.name(i);
      if (first.isFloating(i) && summed.test(name)) {
        out.put(name, first.floatingLike(i, sumOfChanges(broadcast, name, contributing, i)));
      } else if (first.isFloating(i)) {
        double[] sum = new double[first.length(i)];
        for (PartitionResult result : contributing) {
          EncodedState state = result.state();
          double weight = result.examples();
          for (int j = 0; j < sum.length; j++) {
            sum[j] += weight * state.value(i, j);
          }
        }
        for (int j = 0; j < sum.length; j++) {
          sum[j] /= totalExamples;
        }
        out.put(name, first.floatingLike(i, sum));
      } else if (keepFromBroadcast.contains(name)) {
        if (broadcastArrays == null) {
          broadcastArrays = broadcast.decode();
        }
        out.put(name, broadcastArrays.get(name));
      } else {
        out.put(name, first.toArray(i));
      }
    }
    return NamedArrays.of(out);
  }

  private static double[] sumOfChanges(
      EncodedState broadcast, String name, List<PartitionResult> contributing, int i) {
    int at = indexOf(broadcast, name);
    double[] sum = new double[contributing.get(0).state().length(i)];
    for (int j = 0; j < sum.length; j++) {
      sum[j] = broadcast.value(at, j);
    }
    for (PartitionResult result : contributing) {
      EncodedState state = result.state();
      for (int j = 0; j < sum.length; j++) {
        sum[j] += state.value(i, j) - broadcast.value(at, j);
      }
    }
    return sum;
  }

  private static int indexOf(EncodedState state, String name) {
    for (int i = 0; i < state.size(); i++) {
      if (state.name(i).equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("summed array '" + name + "' is not in the broadcast state");
  }

  private static void checkSameNames(EncodedState first, PartitionResult result) {
    EncodedState state = result.state();
    boolean same = state.size() == first.size();
    for (int i = 0; same && i < first.size(); i++) {
      same = state.name(i).equals(first.name(i)) && state.length(i) == first.length(i);
    }
    if (!same) {
      throw new IllegalStateException(
          "partition " + result.partition() + " returned a state with other arrays than the"
              + " first partition; the experiment factory must build the same experiment on"
              + " every executor");
    }
  }
}
