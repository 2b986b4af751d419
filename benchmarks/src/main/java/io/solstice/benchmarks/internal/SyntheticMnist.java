package io.solstice.benchmarks.internal;

import io.solstice.core.TensorBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synthetic MNIST-shaped data: 784 float32 features in [0, 1] and 10 classes. Each class has a
 * fixed random prototype (a fifth of the pixels nudged up or down by 0.08); a row is
 * 0.5 plus its class's prototype plus uniform noise in [-0.5, 0.5]. The signal is weak per
 * pixel, so the classes overlap: a well-trained model scores in the nineties, not 100%, and
 * the accuracies say how well each side trained. Deterministic for a given seed.
 */
public final class SyntheticMnist {

  /** Features per row, as in MNIST. */
  public static final int FEATURES = 784;

  /** Classes, as in MNIST. */
  public static final int CLASSES = 10;

  /** How far a prototype moves a pixel. */
  static final double SIGNAL = 0.08;

  private SyntheticMnist() {}

  /**
   * Generates {@code rows} rows.
   *
   * @param rows how many rows
   * @param seed the seed (the prototypes depend only on {@code prototypeSeed})
   * @param prototypeSeed the seed of the class prototypes: share it between train and test data
   * @return features [rows, 784] (float row-major) and labels [rows] of class indices
   */
  public static Data generate(int rows, long seed, long prototypeSeed) {
    SplittableRandom protoRandom = new SplittableRandom(prototypeSeed);
    float[][] prototypes = new float[CLASSES][FEATURES];
    for (float[] p : prototypes) {
      for (int j = 0; j < FEATURES; j++) {
        double u = protoRandom.nextDouble();
        p[j] = (float) (u < 0.1 ? SIGNAL : u < 0.2 ? -SIGNAL : 0);
      }
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] features = new float[rows * FEATURES];
    int[] labels = new int[rows];
    for (int i = 0; i < rows; i++) {
      int label = random.nextInt(CLASSES);
      labels[i] = label;
      for (int j = 0; j < FEATURES; j++) {
        float v = 0.5f + prototypes[label][j] + (float) (random.nextDouble() - 0.5);
        features[i * FEATURES + j] = Math.min(1f, Math.max(0f, v));
      }
    }
    return new Data(features, labels);
  }

  /**
   * Rows of features and their labels, on the heap.
   *
   * @param features row-major [rows * 784]
   * @param labels [rows]
   */
  public record Data(float[] features, int[] labels) {

    /**
     * The number of rows.
     *
     * @return rows
     */
    public int rows() {
      return labels.length;
    }

    /**
     * Cuts the rows into ND4J batches of {@code batchSize} rows (a shorter last batch is
     * dropped, so every step has the same cost): features FLOAT [b, 784], labels INT64 [b].
     *
     * @param batchSize rows per batch
     * @return the batches, allocated once and reusable across epochs
     */
    public List<TensorBatch> batches(int batchSize) {
      List<TensorBatch> out = new ArrayList<>();
      for (int start = 0; start + batchSize <= rows(); start += batchSize) {
        out.add(TensorBatch.of(featureMatrix(start, batchSize), labelVector(start, batchSize)));
      }
      return out;
    }

    /**
     * A copy of some rows' features as an ND4J matrix.
     *
     * @param start first row
     * @param count how many rows
     * @return FLOAT [count, 784]
     */
    public INDArray featureMatrix(int start, int count) {
      float[] slice = new float[count * FEATURES];
      System.arraycopy(features, start * FEATURES, slice, 0, slice.length);
      return Nd4j.create(slice, new long[] {count, FEATURES}, DataType.FLOAT);
    }

    /**
     * Some rows' labels as class indices.
     *
     * @param start first row
     * @param count how many rows
     * @return INT64 [count]
     */
    public INDArray labelVector(int start, int count) {
      long[] slice = new long[count];
      for (int i = 0; i < count; i++) {
        slice[i] = labels[start + i];
      }
      return Nd4j.createFromArray(slice);
    }

    /**
     * Some rows' labels one-hot, as DL4J wants them.
     *
     * @param start first row
     * @param count how many rows
     * @return FLOAT [count, 10]
     */
    public INDArray oneHot(int start, int count) {
      float[] hot = new float[count * CLASSES];
      for (int i = 0; i < count; i++) {
        hot[i * CLASSES + labels[start + i]] = 1f;
      }
      return Nd4j.create(hot, new long[] {count, CLASSES}, DataType.FLOAT);
    }
  }
}
