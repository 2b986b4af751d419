package io.solstice.cuda.internal;

import java.util.Arrays;

/**
 * A device experiment's state on the host in its flat layout ({@link MlpLayout}): the
 * parameters, the optimizer moments (null for updaters without state) and the counters. It
 * needs no ND4J, so it can be made and compared where no ND4J backend is installed.
 *
 * @param values every parameter, in layout order
 * @param firstMoment Adam's M, or null
 * @param secondMoment Adam's V, or null
 * @param iteration the optimizer's iteration (steps applied)
 * @param epoch the epoch that schedules see
 * @param seed the dropout generator's seed
 * @param counter the dropout generator's counter (training steps that drew a mask)
 */
public record FlatState(
    float[] values, float[] firstMoment, float[] secondMoment, long iteration, long epoch,
    long seed, long counter) {

  /** Checks that both moments are present or both absent and of the parameters' length. */
  public FlatState {
    if ((firstMoment == null) != (secondMoment == null)) {
      throw new IllegalArgumentException("both optimizer moments or neither");
    }
    if (firstMoment != null
        && (firstMoment.length != values.length || secondMoment.length != values.length)) {
      throw new IllegalArgumentException(
          "moments of " + firstMoment.length + " and " + secondMoment.length
              + " values for " + values.length + " parameters");
    }
  }

  /** Whether the state holds optimizer moments (Adam). */
  public boolean hasMoments() {
    return firstMoment != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlatState other
        && Arrays.equals(values, other.values)
        && Arrays.equals(firstMoment, other.firstMoment)
        && Arrays.equals(secondMoment, other.secondMoment)
        && iteration == other.iteration && epoch == other.epoch
        && seed == other.seed && counter == other.counter;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values) * 31 + Long.hashCode(iteration);
  }

  @Override
  public String toString() {
    return "FlatState[" + values.length + " values, moments=" + hasMoments() + ", iteration="
        + iteration + ", epoch=" + epoch + ", seed=" + seed + ", counter=" + counter + "]";
  }
}
