package io.solstice.core.data;

import io.solstice.core.TensorBatch;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The UCI "Optical Recognition of Handwritten Digits" data set (E. Alpaydin, C. Kaynak, 1998;
 * CC BY 4.0) in the CSV layout scikit-learn ships: one row per 8x8 image, 64 pixel values in
 * 0..16 followed by the class label 0..9, no header.
 *
 * <p>Held in memory on the heap (1,797 rows are 460 KB); features are scaled to [0, 1] by
 * dividing by 16 and labels are class indices. {@link #split} shuffles with a fixed seed so
 * every run sees the same train and test sets; {@link #batches} cuts a set into
 * {@link TensorBatch}es in order.
 *
 * <pre>{@code
 * DigitsDataset all = DigitsDataset.bundled();   // or read(Files.newInputStream(path))
 * DigitsDataset.Split split = all.split(0.2, 42);
 * for (TensorBatch batch : split.train().batches(64)) { ... }
 * }</pre>
 *
 * <p>Thread safety: immutable and thread-safe; every call that returns arrays or batches makes
 * new ones.
 */
public final class DigitsDataset {

  /** Pixels per image (8x8). */
  public static final int FEATURES = 64;
  /** Digit classes 0..9. */
  public static final int CLASSES = 10;
  /** The largest pixel value; features are divided by it. */
  private static final float MAX_PIXEL = 16f;

  private final float[][] features;
  private final int[] labels;

  private DigitsDataset(float[][] features, int[] labels) {
    this.features = features;
    this.labels = labels;
  }

  /** The copy shipped in this jar, with its provenance in {@code README.md} beside it. */
  private static final String BUNDLED = "digits.csv.gz";

  /**
   * The 1,797 examples shipped with Solstice (the scikit-learn copy of the UCI data).
   *
   * @return the data set
   */
  public static DigitsDataset bundled() {
    try (InputStream in = DigitsDataset.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IllegalStateException("resource " + BUNDLED + " is missing beside " + DigitsDataset.class);
      }
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled digits data", e);
    }
  }

  /**
   * Reads the CSV from a stream, gzip-compressed or plain (detected from the first bytes). The
   * stream is read to its end but not closed.
   *
   * @param in the CSV bytes
   * @return the data set
   * @throws UncheckedIOException when reading fails
   * @throws IllegalArgumentException naming the line when a row does not have 65 numbers, a
   *     pixel is outside 0..16 or a label outside 0..9
   */
  public static DigitsDataset read(InputStream in) {
    Objects.requireNonNull(in, "in");
    try {
      BufferedInputStream buffered = new BufferedInputStream(in);
      buffered.mark(2);
      int first = buffered.read();
      int second = buffered.read();
      buffered.reset();
      boolean gzip = first == 0x1f && second == 0x8b;
      InputStream source = gzip ? new GZIPInputStream(buffered) : buffered;
      BufferedReader reader =
          new BufferedReader(new InputStreamReader(source, StandardCharsets.US_ASCII));
      List<float[]> rows = new ArrayList<>();
      List<Integer> classes = new ArrayList<>();
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        parseRow(line, lineNumber, rows, classes);
      }
      if (rows.isEmpty()) {
        throw new IllegalArgumentException("the digits CSV holds no rows");
      }
      return new DigitsDataset(
          rows.toArray(new float[0][]), classes.stream().mapToInt(Integer::intValue).toArray());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the digits CSV: " + e.getMessage(), e);
    }
  }

  private static void parseRow(
      String line, int lineNumber, List<float[]> rows, List<Integer> classes) {
    String[] cells = line.split(",");
    if (cells.length != FEATURES + 1) {
      throw new IllegalArgumentException(
          "line " + lineNumber + " has " + cells.length + " values; expected " + (FEATURES + 1)
              + " (64 pixels, then the label)");
    }
    float[] row = new float[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      double pixel = parse(cells[j], lineNumber, j);
      if (!(pixel >= 0 && pixel <= MAX_PIXEL)) { // NaN included
        throw new IllegalArgumentException(
            "line " + lineNumber + ", column " + j + ": pixel " + pixel + " is outside 0..16");
      }
      row[j] = (float) (pixel / MAX_PIXEL);
    }
    double label = parse(cells[FEATURES], lineNumber, FEATURES);
    if (label != Math.rint(label) || label < 0 || label >= CLASSES) {
      throw new IllegalArgumentException(
          "line " + lineNumber + ": label " + label + " is not a digit 0..9");
    }
    rows.add(row);
    classes.add((int) label);
  }

  private static double parse(String cell, int lineNumber, int column) {
    try {
      return Double.parseDouble(cell.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "line " + lineNumber + ", column " + column + ": '" + cell + "' is not a number", e);
    }
  }

  /**
   * The number of examples.
   *
   * @return the row count
   */
  public int size() {
    return labels.length;
  }

  /**
   * The class label of one example.
   *
   * @param row the example's index
   * @return its digit, 0..9
   */
  public int label(int row) {
    return labels[row];
  }

  /**
   * Shuffles the rows with a fixed seed and splits them into a train and a test set.
   *
   * @param testFraction the share of rows in the test set, in (0, 1)
   * @param seed the shuffle seed; the same seed always gives the same split
   * @return the two sets
   * @throws IllegalArgumentException when the fraction is outside (0, 1) or, rounded to rows,
   *     leaves one of the sets empty
   */
  public Split split(double testFraction, long seed) {
    if (!(testFraction > 0 && testFraction < 1)) {
      throw new IllegalArgumentException("testFraction must be in (0, 1), was " + testFraction);
    }
    int testSize = (int) Math.round(size() * testFraction);
    if (testSize == 0 || testSize == size()) {
      throw new IllegalArgumentException("a fraction of " + testFraction + " of " + size() + " rows leaves the "
          + (testSize == 0 ? "test" : "train") + " set empty");
    }
    int[] order = permutation(size(), seed);
    int trainSize = size() - testSize;
    return new Split(subset(order, 0, trainSize), subset(order, trainSize, size()));
  }

  /** Fisher-Yates with a SplittableRandom: identical on every JVM and platform. */
  private static int[] permutation(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private DigitsDataset subset(int[] order, int from, int to) {
    float[][] x = new float[to - from][];
    int[] y = new int[to - from];
    for (int i = from; i < to; i++) {
      x[i - from] = features[order[i]];
      y[i - from] = labels[order[i]];
    }
    return new DigitsDataset(x, y);
  }

  /**
   * All examples as one batch.
   *
   * @return features [N, 64] FLOAT in [0, 1] and labels [N] INT32
   */
  public TensorBatch asBatch() {
    return batch(0, size());
  }

  /**
   * The examples in order, cut into batches; the last one holds the remainder.
   *
   * @param batchSize rows per batch, at least 1
   * @return the batches, each with features [rows, 64] FLOAT and labels [rows] INT32
   */
  public List<TensorBatch> batches(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
    }
    List<TensorBatch> out = new ArrayList<>();
    for (int from = 0; from < size(); from += batchSize) {
      out.add(batch(from, Math.min(size(), from + batchSize)));
    }
    return out;
  }

  private TensorBatch batch(int from, int to) {
    int rows = to - from;
    float[] x = new float[rows * FEATURES];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(features[from + i], 0, x, i * FEATURES, FEATURES);
      y[i] = labels[from + i];
    }
    INDArray featureArray = Nd4j.create(x, new long[] {rows, FEATURES}, DataType.FLOAT);
    return TensorBatch.of(featureArray, Nd4j.createFromArray(y));
  }

  /**
   * A train and a test set.
   *
   * @param train the examples to train on
   * @param test the held-out examples
   */
  public record Split(DigitsDataset train, DigitsDataset test) {}
}
