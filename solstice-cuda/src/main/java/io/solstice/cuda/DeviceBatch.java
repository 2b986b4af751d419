package io.solstice.cuda;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeAsync;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;

import io.solstice.arrow.BatchPosition;
import io.solstice.cuda.internal.DevicePointers;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One batch resident on a {@link CudaDevice}: its features (rows x width float32, row-major)
 * and class labels (integers of {@link #labelBytes()} bytes), copied from an {@code ArrowBatch}
 * by {@link CudaDevice#upload}. The Arrow batch was closed once the copy completed; this batch
 * owns only device memory.
 *
 * <p>Close it exactly once after its step, as any batch (closing again does nothing). The
 * memory is returned in the training stream's order, after every step already queued there.
 */
public final class DeviceBatch implements AutoCloseable {

  private final CudaDevice device;
  private final long address;
  private final int rows;
  private final int width;
  private final int labelBytes;
  private final int classes;
  private final BatchPosition position;
  private final AtomicBoolean closed = new AtomicBoolean();

  DeviceBatch(
      CudaDevice device, long address, int rows, int width, int labelBytes, int classes,
      BatchPosition position) {
    this.device = device;
    this.address = address;
    this.rows = rows;
    this.width = width;
    this.labelBytes = labelBytes;
    this.classes = classes;
    this.position = position;
  }

  /** The number of rows. */
  public int rows() {
    return rows;
  }

  /** The number of features per row. */
  public int width() {
    return width;
  }

  /** The bytes of one label (1, 2, 4 or 8), as in the Arrow column. */
  public int labelBytes() {
    return labelBytes;
  }

  /** The class count the labels were checked against. */
  public int classes() {
    return classes;
  }

  /** Where the batch came from, for checkpoints. */
  public BatchPosition position() {
    return position;
  }

  /** The device this batch lives on. */
  public CudaDevice device() {
    return device;
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    return closed.get();
  }

  long featuresAddress() {
    checkOpen();
    return address;
  }

  long labelsAddress() {
    checkOpen();
    return address + featureBytes(rows, width);
  }

  /** The bytes of the feature block, rounded up so the labels that follow are aligned. */
  static long featureBytes(int rows, int width) {
    long bytes = (long) rows * width * Float.BYTES;
    return (bytes + 255) & -256L;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("device batch " + position + " is closed");
    }
  }

  /** Returns the device memory, ordered after the steps queued on the training stream. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (device.isOpen()) {
      device.bind();
      cudaFreeAsync(DevicePointers.at(address), device.trainingStream());
    } else {
      // The streams are gone with the device; cudaFree also frees stream-ordered memory.
      cudaSetDevice(device.index());
      cudaFree(DevicePointers.at(address));
    }
  }

  @Override
  public String toString() {
    return "DeviceBatch[" + position + ", rows=" + rows + ", width=" + width
        + (closed.get() ? ", closed]" : "]");
  }
}
