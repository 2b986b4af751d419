package io.solstice.cuda.internal;

import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The compiled kernels of {@link KernelSource}, loaded into the current context, and their
 * launches. Each kernel keeps one native block of argument slots that every launch refills
 * (the driver copies argument values at launch), so a launch allocates nothing.
 *
 * <p>Not thread-safe: one training thread launches.
 */
public final class Kernels implements AutoCloseable {

  /** The most argument slots a kernel has. */
  private static final int SLOTS = 16;

  private final CUmod_st module;
  private final Map<String, Kernel> kernels = new HashMap<>();
  private final int maxBlocks;

  /**
   * Loads a CUBIN built from {@link KernelSource#source()} into the current context.
   *
   * @param cubin the image from {@link NvrtcCompiler}
   * @param multiProcessors the device's multiprocessor count (bounds grid sizes)
   */
  public Kernels(byte[] cubin, int multiProcessors) {
    this.module = new CUmod_st();
    try (BytePointer image = new BytePointer(cubin)) {
      CudaStatus.checkDriver(cuModuleLoadData(module, image), "cuModuleLoadData");
    }
    this.maxBlocks = Math.max(1, multiProcessors) * 16;
    KernelSource.ENTRY_POINTS.forEach(
        (name, arity) -> {
          CUfunc_st function = new CUfunc_st();
          CudaStatus.checkDriver(cuModuleGetFunction(function, module, name), "cuModuleGetFunction(" + name + ")");
          kernels.put(name, new Kernel(name, function, arity));
        });
  }

  /**
   * The kernel of that name, ready to take arguments.
   *
   * @param name one of {@link KernelSource#ENTRY_POINTS}
   * @return the kernel
   */
  public Kernel get(String name) {
    Kernel kernel = kernels.get(name);
    if (kernel == null) {
      throw new IllegalArgumentException("no kernel " + name + "; kernels: " + kernels.keySet());
    }
    return kernel.start();
  }

  /** Blocks for a grid-stride loop over n values: enough to fill the device, no more. */
  public int blocksFor(long n) {
    return (int) Math.max(1, Math.min(maxBlocks, (n + KernelSource.BLOCK - 1) / KernelSource.BLOCK));
  }

  @Override
  public void close() {
    kernels.values().forEach(Kernel::free);
    cuModuleUnload(module);
  }

  /** One kernel and its argument slots. */
  public static final class Kernel {
    private final String name;
    private final CUfunc_st function;
    private final int arity;
    private final LongPointer slots = new LongPointer(SLOTS);
    private final PointerPointer<?> parameters = new PointerPointer<>(SLOTS);
    private int count;

    private Kernel(String name, CUfunc_st function, int arity) {
      this.name = name;
      this.function = function;
      this.arity = arity;
      for (int i = 0; i < SLOTS; i++) {
        parameters.put(i, DevicePointers.at(slots.address() + (long) i * Long.BYTES));
      }
    }

    private Kernel start() {
      count = 0;
      return this;
    }

    private Kernel slot(long bits) {
      slots.put(count++, bits);
      return this;
    }

    /** A device pointer argument (0 for null). */
    public Kernel pointer(long address) {
      return slot(address);
    }

    /** An {@code int} argument. */
    public Kernel i32(int value) {
      return slot(value & 0xFFFF_FFFFL);
    }

    /** A {@code long long} (or {@code unsigned long long}) argument. */
    public Kernel i64(long value) {
      return slot(value);
    }

    /** A {@code float} argument. */
    public Kernel f32(float value) {
      return slot(Float.floatToRawIntBits(value) & 0xFFFF_FFFFL);
    }

    /** A {@code double} argument. */
    public Kernel f64(double value) {
      return slot(Double.doubleToRawLongBits(value));
    }

    /**
     * Launches on the stream with {@link KernelSource#BLOCK} threads per block.
     *
     * @param blocks the grid size
     * @param stream the stream
     */
    public void launch(int blocks, CUstream_st stream) {
      if (count != arity) {
        throw new IllegalStateException(name + " takes " + arity + " arguments, got " + count);
      }
      CudaStatus.checkDriver(
          cuLaunchKernel(function, blocks, 1, 1, KernelSource.BLOCK, 1, 1, 0, stream, parameters, null),
          "cuLaunchKernel(" + name + ")");
      count = 0;
    }

    private void free() {
      slots.close();
      parameters.close();
    }
  }
}
