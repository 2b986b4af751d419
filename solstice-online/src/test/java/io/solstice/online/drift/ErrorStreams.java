package io.solstice.online.drift;

import io.solstice.online.streams.ConceptDrift;
import io.solstice.online.streams.RowGenerator;
import io.solstice.online.streams.SeaGenerator;
import java.util.Random;

/** Error streams the detector tests share: seeded, so every test sees the same values. */
final class ErrorStreams {
  private ErrorStreams() {}

  /**
   * 0/1 errors whose rate changes at the given rows.
   *
   * @param length the number of values
   * @param changes the rows at which the rate changes, ascending
   * @param rates the rate before the first change, then after each change
   * @param seed the seed
   */
  static double[] bernoulli(int length, int[] changes, double[] rates, long seed) {
    Random random = new Random(seed);
    double[] errors = new double[length];
    int segment = 0;
    for (int i = 0; i < length; i++) {
      while (segment < changes.length && i >= changes[segment]) {
        segment++;
      }
      errors[i] = random.nextDouble() < rates[segment] ? 1 : 0;
    }
    return errors;
  }

  /**
   * The errors of a fixed rule (SEA concept 1, {@code x1 + x2 > 8}) on a SEA stream whose concept
   * changes abruptly at each given row: about 10% (the label noise) on concept 1, more after.
   */
  static double[] seaRuleErrors(int length, int[] drifts, int[] concepts, int seed) {
    RowGenerator stream = SeaGenerator.of(concepts[0], seed);
    for (int d = 0; d < drifts.length; d++) {
      stream = new ConceptDrift(stream, SeaGenerator.of(concepts[d + 1], seed + d + 1), drifts[d], 1, seed);
    }
    double[] row = new double[3];
    double[] errors = new double[length];
    for (int i = 0; i < length; i++) {
      int label = stream.next(row);
      int predicted = row[0] + row[1] > 8 ? 1 : 0;
      errors[i] = predicted == label ? 0 : 1;
    }
    return errors;
  }
}
