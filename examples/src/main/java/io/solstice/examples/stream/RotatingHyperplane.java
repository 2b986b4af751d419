package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.examples.data.LabeledArrowFile;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import reactor.core.publisher.Flux;

/**
 * An unbounded, drifting two-class stream (the rotating hyperplane of the stream-learning
 * literature): points uniform in [-1, 1]^d, labelled by the side of a hyperplane through the
 * origin whose normal turns slowly (gradual drift), and flips at one batch (abrupt drift: every
 * label inverts). A fraction of labels is flipped at random as noise.
 *
 * <p>Batches are Arrow record batches with the {@link LabeledArrowFile} layout: a
 * {@code FixedSizeList<Float32>} {@code features} column and an Int32 {@code label} column.
 * Batch {@code i} is a pure function of the seed and {@code i}.
 */
public final class RotatingHyperplane {
  private final int dimensions;
  private final int rows;
  private final double radiansPerBatch;
  private final long driftAt;
  private final double noise;
  private final long seed;
  private final double[] a;
  private final double[] b;

  /**
   * A stream.
   *
   * @param dimensions features per row, at least 2
   * @param rows rows per batch
   * @param radiansPerBatch how far the normal turns per batch (gradual drift)
   * @param driftAt the batch from which every label is inverted (abrupt drift); negative for none
   * @param noise the fraction of labels flipped at random
   * @param seed the seed
   */
  public RotatingHyperplane(int dimensions, int rows, double radiansPerBatch, long driftAt, double noise, long seed) {
    if (dimensions < 2 || rows < 1) {
      throw new IllegalArgumentException("need at least 2 dimensions and 1 row per batch");
    }
    this.dimensions = dimensions;
    this.rows = rows;
    this.radiansPerBatch = radiansPerBatch;
    this.driftAt = driftAt;
    this.noise = noise;
    this.seed = seed;
    SplittableRandom random = new SplittableRandom(seed);
    this.a = unit(random, dimensions);
    double[] other = unit(random, dimensions);
    // b orthogonal to a, so the normal a cos(t) + b sin(t) turns in the plane they span.
    double dot = dotProduct(a, other);
    for (int i = 0; i < dimensions; i++) {
      other[i] -= dot * a[i];
    }
    this.b = normalize(other);
  }

  /**
   * The features per row.
   *
   * @return d
   */
  public int dimensions() {
    return dimensions;
  }

  /**
   * The size of a batch's values: features and labels, without validity bitmaps.
   *
   * @return bytes per batch
   */
  public long bytesPerBatch() {
    return (long) rows * (dimensions * Float.BYTES + Integer.BYTES);
  }

  /**
   * The endless stream, from batch 0; each subscription starts again.
   *
   * @param allocator where batches are allocated; each batch is owned by its receiver
   * @param produced counts the batches produced
   * @return the batches
   */
  public Flux<ArrowBatch> batches(BufferAllocator allocator, AtomicLong produced) {
    return Flux.generate(() -> 0L, (index, sink) -> {
      sink.next(batch(index, allocator));
      produced.incrementAndGet();
      return index + 1;
    });
  }

  /**
   * Batch {@code index} of the stream.
   *
   * @param index the batch number
   * @param allocator where it is allocated
   * @return the batch, owned by the caller
   */
  public ArrowBatch batch(long index, BufferAllocator allocator) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    double angle = radiansPerBatch * index;
    double[] normal = new double[dimensions];
    double sign = driftAt >= 0 && index >= driftAt ? -1 : 1;
    for (int i = 0; i < dimensions; i++) {
      normal[i] = sign * (a[i] * Math.cos(angle) + b[i] * Math.sin(angle));
    }
    VectorSchemaRoot root = VectorSchemaRoot.create(LabeledArrowFile.schema(dimensions), allocator);
    try {
      root.allocateNew();
      FixedSizeListVector list = (FixedSizeListVector) root.getVector(LabeledArrowFile.FEATURES);
      Float4Vector values = (Float4Vector) list.getDataVector();
      IntVector labels = (IntVector) root.getVector(LabeledArrowFile.LABEL);
      double[] x = new double[dimensions];
      for (int r = 0; r < rows; r++) {
        list.setNotNull(r);
        for (int i = 0; i < dimensions; i++) {
          x[i] = random.nextDouble(-1, 1);
          values.setSafe(r * dimensions + i, (float) x[i]);
        }
        int label = dotProduct(normal, x) > 0 ? 1 : 0;
        labels.setSafe(r, random.nextDouble() < noise ? 1 - label : label);
      }
      values.setValueCount(rows * dimensions);
      root.setRowCount(rows);
      return new ArrowBatch(root, Map.of(), new BatchPosition("rotating-hyperplane", 0, index), null);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private static double[] unit(SplittableRandom random, int d) {
    double[] v = new double[d];
    for (int i = 0; i < d; i++) {
      v[i] = random.nextGaussian();
    }
    return normalize(v);
  }

  private static double[] normalize(double[] v) {
    double norm = Math.sqrt(dotProduct(v, v));
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm;
    }
    return v;
  }

  private static double dotProduct(double[] x, double[] y) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += x[i] * y[i];
    }
    return sum;
  }
}
