package io.solstice.cuda.internal;

import io.solstice.core.metrics.ClassificationMetrics;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The few numbers a step returns from the device: the loss sum (float64) followed by the
 * confusion counts (unsigned 64-bit, row = target, column = prediction), reduced on the device
 * by the cross-entropy kernel.
 */
public final class StepStats {

  private StepStats() {}

  /** The bytes of the statistics of a classifier with this many classes. */
  public static long bytes(int classes) {
    return Long.BYTES + (long) classes * classes * Long.BYTES;
  }

  /** The byte offset of the confusion counts. */
  public static long confusionOffset() {
    return Long.BYTES;
  }

  /**
   * The metrics these statistics describe.
   *
   * @param stats the bytes copied back from the device, in native order
   * @param classes the number of classes
   * @param rows the rows of the batch (every row must have been counted)
   * @return the batch's metrics
   * @throws IllegalStateException when the counts do not add up to the rows
   */
  public static ClassificationMetrics metrics(ByteBuffer stats, int classes, int rows) {
    ByteBuffer in = stats.duplicate().order(ByteOrder.nativeOrder());
    double lossSum = in.getDouble(0);
    int[] predictions = new int[rows];
    int[] targets = new int[rows];
    int row = 0;
    for (int target = 0; target < classes; target++) {
      for (int predicted = 0; predicted < classes; predicted++) {
        long count = in.getLong(Long.BYTES + (target * classes + predicted) * Long.BYTES);
        if (count < 0 || count > rows - row) {
          throw new IllegalStateException(
              "the device counted more than the batch's " + rows + " rows");
        }
        // ClassificationMetrics is built from per-row classes: expand the counts.
        for (long i = 0; i < count; i++, row++) {
          predictions[row] = predicted;
          targets[row] = target;
        }
      }
    }
    if (row != rows) {
      throw new IllegalStateException(
          "the device counted " + row + " of the batch's " + rows + " rows");
    }
    return ClassificationMetrics.of(predictions, targets, rows == 0 ? 0 : lossSum / rows, classes);
  }
}
