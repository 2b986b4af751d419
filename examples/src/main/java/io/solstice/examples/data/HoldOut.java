package io.solstice.examples.data;

import io.solstice.examples.cli.UsageException;
import io.solstice.examples.job.Split;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Assigns the batches of a table to train, validation and test by batch index, with a seeded
 * shuffle: the same table, batch size, fractions and seed always give the same assignment.
 * Holding out whole batches keeps the sources zero-copy (no row is moved).
 */
public final class HoldOut {
  private final Split[] roles;

  private HoldOut(Split[] roles) {
    this.roles = roles;
  }

  /**
   * Splits {@code batches} batches.
   *
   * @param batches the number of batches in the table
   * @param valFraction the fraction held out for validation (at least one batch when above 0)
   * @param testFraction the fraction held out for the test report (at least one batch when
   *     above 0)
   * @param seed the shuffle seed
   * @return the assignment
   * @throws UsageException when no batch would be left to train on
   */
  public static HoldOut of(int batches, double valFraction, double testFraction, long seed) {
    int test = count(batches, testFraction);
    int val = count(batches, valFraction);
    if (batches - test - val < 1) {
      throw new UsageException("the data has only " + batches + " batch(es) at this --batch-size, too few to hold out "
          + "validation and test batches; lower --batch-size or the fractions");
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    Split[] roles = new Split[batches];
    for (int i = 0; i < batches; i++) {
      int index = order.get(i);
      roles[index] = i < test ? Split.TEST : i < test + val ? Split.VAL : Split.TRAIN;
    }
    return new HoldOut(roles);
  }

  private static int count(int batches, double fraction) {
    if (fraction < 0 || fraction >= 1) {
      throw new UsageException("a hold-out fraction must be in [0, 1), got " + fraction);
    }
    return fraction == 0 ? 0 : Math.max(1, (int) Math.round(batches * fraction));
  }

  /**
   * The split of a batch; batches beyond the counted ones (a file that grew) train.
   *
   * @param batchIndex the batch's index in read order
   * @return its split
   */
  public Split roleOf(long batchIndex) {
    return batchIndex < roles.length ? roles[(int) batchIndex] : Split.TRAIN;
  }

  /**
   * The number of batches in a split.
   *
   * @param split the split
   * @return its batch count
   */
  public int count(Split split) {
    int n = 0;
    for (Split role : roles) {
      n += role == split ? 1 : 0;
    }
    return n;
  }
}
