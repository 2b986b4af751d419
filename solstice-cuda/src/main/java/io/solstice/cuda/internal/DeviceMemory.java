package io.solstice.cuda.internal;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpy;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaMemset;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One device allocation (cudaMalloc), freed by {@link #close()}. The device must be current on
 * the calling thread. Writes are complete when the methods return, so the memory can be used
 * from any stream.
 */
public final class DeviceMemory implements AutoCloseable {

  private final long address;
  private final long bytes;
  private boolean closed;

  private DeviceMemory(long address, long bytes) {
    this.address = address;
    this.bytes = bytes;
  }

  /**
   * Allocates device memory, zeroed.
   *
   * @param bytes at least 1
   * @param what what it holds, for the error message
   * @return the allocation
   */
  public static DeviceMemory zeroed(long bytes, String what) {
    Pointer pointer = new Pointer();
    CudaStatus.check(cudaMalloc(pointer, bytes), "cudaMalloc(" + bytes + " bytes for " + what + ")");
    DeviceMemory memory = new DeviceMemory(pointer.address(), bytes);
    try {
      CudaStatus.check(cudaMemset(memory.pointer(), 0, bytes), "cudaMemset");
      // cudaMemset may return before it ran, on the legacy stream, which the model's
      // non-blocking streams do not wait for: wait here, before the memory is handed out.
      CudaStatus.check(cudaStreamSynchronize(null), "cudaStreamSynchronize(legacy stream)");
    } catch (RuntimeException e) {
      memory.close();
      throw e;
    }
    return memory;
  }

  /**
   * Allocates device memory holding these floats.
   *
   * @param values the values
   * @param what what it holds, for the error message
   * @return the allocation
   */
  public static DeviceMemory of(float[] values, String what) {
    DeviceMemory memory = zeroed((long) values.length * Float.BYTES, what);
    try {
      memory.write(values);
    } catch (RuntimeException e) {
      memory.close();
      throw e;
    }
    return memory;
  }

  /** The device address of the first byte. */
  public long address() {
    return address;
  }

  /** The device address of float element i. */
  public long floatAt(long index) {
    return address + index * Float.BYTES;
  }

  /** The size in bytes. */
  public long bytes() {
    return bytes;
  }

  /** A JavaCPP pointer at the first byte. */
  public Pointer pointer() {
    return DevicePointers.at(address);
  }

  /** Copies floats from the host over the start of this memory (synchronous). */
  public void write(float[] values) {
    checkSize((long) values.length * Float.BYTES);
    try (FloatPointer host = new FloatPointer(values)) {
      CudaStatus.check(
          cudaMemcpy(pointer(), host, (long) values.length * Float.BYTES, cudaMemcpyHostToDevice),
          "cudaMemcpy to the device");
      // From pageable memory it may return before the DMA completed (see zeroed).
      CudaStatus.check(cudaStreamSynchronize(null), "cudaStreamSynchronize(legacy stream)");
    }
  }

  /** Copies the start of this memory into a new float array (synchronous). */
  public float[] readFloats(int count) {
    checkSize((long) count * Float.BYTES);
    float[] values = new float[count];
    try (FloatPointer host = new FloatPointer(count)) {
      CudaStatus.check(
          cudaMemcpy(host, pointer(), (long) count * Float.BYTES, cudaMemcpyDeviceToHost),
          "cudaMemcpy to the host");
      host.get(values);
    }
    return values;
  }

  private void checkSize(long needed) {
    if (needed > bytes) {
      throw new IllegalArgumentException(needed + " bytes do not fit in " + bytes);
    }
  }

  /** Frees the memory; later calls do nothing. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cudaFree(pointer());
    }
  }
}
