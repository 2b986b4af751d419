package io.solstice.cuda;

import static org.bytedeco.cuda.global.cublas.cublasCreate_v2;
import static org.bytedeco.cuda.global.cublas.cublasDestroy_v2;
import static org.bytedeco.cuda.global.cublas.cublasSetStream_v2;
import static org.bytedeco.cuda.global.cudart.cudaDeviceGetDefaultMemPool;
import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaFreeAsync;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceCount;
import static org.bytedeco.cuda.global.cudart.cudaGetDeviceProperties;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorName;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaHostRegister;
import static org.bytedeco.cuda.global.cudart.cudaHostRegisterDefault;
import static org.bytedeco.cuda.global.cudart.cudaHostUnregister;
import static org.bytedeco.cuda.global.cudart.cudaMallocAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemPoolAttrReleaseThreshold;
import static org.bytedeco.cuda.global.cudart.cudaMemPoolSetAttribute;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaSetDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreateWithFlags;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamNonBlocking;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.cuda.internal.BatchBuffers;
import io.solstice.cuda.internal.CudaLibraries;
import io.solstice.cuda.internal.CudaStatus;
import io.solstice.cuda.internal.DevicePointers;
import io.solstice.cuda.internal.KernelSource;
import io.solstice.cuda.internal.Kernels;
import io.solstice.cuda.internal.NvrtcCompiler;
import io.solstice.cuda.internal.PinnedRanges;
import io.solstice.cuda.internal.PrefetchCopy;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUmemPoolHandle_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import reactor.core.publisher.Flux;

/**
 * One CUDA device opened for a training run: the device's primary context, a training stream
 * and a copy stream, a cuBLAS handle bound to the training stream, and the step kernels
 * compiled by NVRTC for this device's own architecture ({@code sm_90} on Hopper).
 *
 * <pre>{@code
 * try (CudaDevice device = CudaDevice.open(0);
 *     CudaMlpClassifier model = CudaMlpClassifier.builder()
 *         .device(device).inputs(784).hidden(300, 100).classes(10).build()) {
 *   Flux<DeviceBatch> batches = device.upload(arrowBatches, new DeviceColumns("x", "y", 10));
 *   for (DeviceBatch batch : batches.toIterable(4)) {
 *     try (batch) {
 *       model.trainStep(batch);
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>Threads: CUDA makes a device current per thread, so every entry point makes this device
 * current on the calling thread first ({@link #bind()}). Steps run on one training thread;
 * {@link #upload} copies on a thread of its own.
 */
public final class CudaDevice implements AutoCloseable {

  private final int index;
  private final String name;
  private final int major;
  private final int minor;
  private final int multiProcessors;
  private final CUstream_st trainingStream;
  private final CUstream_st copyStream;
  private final cublasContext blas;
  private final Kernels kernels;
  private final PinnedRanges pinned;
  private boolean closed;

  private CudaDevice(
      int index, cudaDeviceProp properties, CUstream_st trainingStream, CUstream_st copyStream,
      cublasContext blas, Kernels kernels) {
    this.index = index;
    this.name = properties.name().getString();
    this.major = properties.major();
    this.minor = properties.minor();
    this.multiProcessors = properties.multiProcessorCount();
    this.trainingStream = trainingStream;
    this.copyStream = copyStream;
    this.blas = blas;
    this.kernels = kernels;
    this.pinned = new PinnedRanges(new HostRegistration(), pageSize());
  }

  /**
   * The number of CUDA devices visible to this process.
   *
   * @return at least 1
   * @throws CudaUnavailableException when a CUDA library is missing or no device is visible
   */
  public static int count() {
    CudaLibraries.requireRuntime();
    int[] count = new int[1];
    int status = cudaGetDeviceCount(count);
    if (status != 0) {
      // cudaErrorNoDevice without a GPU, cudaErrorInsufficientDriver with a too old driver.
      throw new CudaUnavailableException(
          "no CUDA device: cudaGetDeviceCount returned " + cudaGetErrorName(status).getString()
              + " (" + cudaGetErrorString(status).getString() + ")", null);
    }
    if (count[0] < 1) {
      throw new CudaUnavailableException("no CUDA device is visible to this process", null);
    }
    return count[0];
  }

  /**
   * Opens a device: loads the CUDA libraries, makes the device current, creates the streams
   * and the cuBLAS handle, and compiles the kernels for its architecture.
   *
   * @param index the device index, from 0 (as {@code nvidia-smi} and CUDA_VISIBLE_DEVICES
   *     number them)
   * @return the device
   * @throws CudaUnavailableException naming the missing library, or when no such device exists
   * @throws CudaException when a CUDA call fails
   */
  public static CudaDevice open(int index) {
    int count = count();
    if (index < 0 || index >= count) {
      throw new CudaUnavailableException(
          "no CUDA device " + index + ": " + count + " visible (indices 0 to " + (count - 1) + ")", null);
    }
    CudaStatus.check(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
    // Creates the primary context now rather than inside the first timed call.
    CudaStatus.check(cudaFree(null), "cudaFree(null) (context creation)");
    CudaLibraries.requireCublas();
    CudaLibraries.requireNvrtc();
    List<Runnable> undo = new ArrayList<>();
    try {
      cudaDeviceProp properties = new cudaDeviceProp();
      CudaStatus.check(cudaGetDeviceProperties(properties, index), "cudaGetDeviceProperties");
      CUstream_st training = stream(undo);
      CUstream_st copy = stream(undo);
      keepPoolMemory(index);
      cublasContext blas = new cublasContext();
      CudaStatus.checkBlas(cublasCreate_v2(blas), "cublasCreate");
      undo.add(() -> cublasDestroy_v2(blas));
      CudaStatus.checkBlas(cublasSetStream_v2(blas, training), "cublasSetStream");
      byte[] cubin =
          NvrtcCompiler.compile(
              KernelSource.source(), "solstice_kernels.cu",
              KernelSource.compileOptions(properties.major(), properties.minor()));
      Kernels kernels = new Kernels(cubin, properties.multiProcessorCount());
      return new CudaDevice(index, properties, training, copy, blas, kernels);
    } catch (RuntimeException | Error e) {
      for (int i = undo.size() - 1; i >= 0; i--) {
        undo.get(i).run();
      }
      throw e;
    }
  }

  private static CUstream_st stream(List<Runnable> undo) {
    CUstream_st stream = new CUstream_st();
    CudaStatus.check(cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
    undo.add(() -> cudaStreamDestroy(stream));
    return stream;
  }

  /**
   * Batches live in the stream-ordered pool (cudaMallocAsync); by default it returns freed
   * memory to the driver at every synchronisation, so each batch would allocate anew.
   */
  private static void keepPoolMemory(int index) {
    CUmemPoolHandle_st pool = new CUmemPoolHandle_st();
    CudaStatus.check(cudaDeviceGetDefaultMemPool(pool, index), "cudaDeviceGetDefaultMemPool");
    try (LongPointer threshold = new LongPointer(1)) {
      threshold.put(0, -1L);
      CudaStatus.check(
          cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, threshold),
          "cudaMemPoolSetAttribute(ReleaseThreshold)");
    }
  }

  /**
   * Copies each Arrow batch's feature and label buffers to this device, in the prefetch stage:
   * on a copy thread of its own, from Arrow's off-heap memory (page-locked while it is copied,
   * no copy on the host) by cudaMemcpyAsync on the copy stream. Each Arrow batch is closed as
   * soon as its copy completed, so up to {@code prefetch} copies run ahead of the consumer and
   * overlap its steps. Batches without rows are closed and skipped.
   *
   * <p>A bad batch fails the flux with an {@code ArrowDataException} naming the column (see
   * {@link DeviceColumns}), and is closed. Batches the operator still holds when the flux is
   * cancelled are closed.
   *
   * @param batches the Arrow batches; each is owned, and closed, by this operator
   * @param columns the columns to copy
   * @param prefetch how many batches the copy stage requests ahead, at least 1
   * @return the device batches; the subscriber closes each after its step
   */
  public Flux<DeviceBatch> upload(Flux<ArrowBatch> batches, DeviceColumns columns, int prefetch) {
    Objects.requireNonNull(columns, "columns");
    return PrefetchCopy.apply(
        batches,
        batch ->
            batch.rowCount() == 0 ? null
                : copy(BatchBuffers.locate(batch, columns), batch.position(), columns.classes()),
        prefetch, "solstice-cuda-copy-" + index);
  }

  /** Copies one located batch and waits for the copy (runs on the copy thread). */
  DeviceBatch copy(BatchBuffers buffers, BatchPosition position, int classes) {
    bind();
    long featureBytes = DeviceBatch.featureBytes(buffers.rows(), buffers.width());
    Pointer memory = new Pointer();
    CudaStatus.check(
        cudaMallocAsync(memory, featureBytes + buffers.labelBytes(), copyStream), "cudaMallocAsync");
    long base = memory.address();
    boolean copied = false;
    try (PinnedRanges.Lease features = pinned.acquire(buffers.featuresAddress(), buffers.featureBytes());
        PinnedRanges.Lease labels = pinned.acquire(buffers.labelsAddress(), buffers.labelBytes())) {
      RuntimeException failure = null;
      try {
        copySegments(features, base);
        copySegments(labels, base + featureBytes);
      } catch (RuntimeException e) {
        failure = e;
      }
      // The memory must stay locked (and the Arrow batch open) until its copies completed,
      // also when a later copy could not be queued.
      int status = cudaStreamSynchronize(copyStream);
      if (failure != null) {
        throw failure;
      }
      CudaStatus.check(status, "cudaStreamSynchronize(copy stream)");
      copied = true;
    } finally {
      if (!copied) {
        cudaFreeAsync(memory, copyStream);
      }
    }
    return new DeviceBatch(
        this, base, buffers.rows(), buffers.width(), buffers.labelWidth(), classes, position);
  }

  private void copySegments(PinnedRanges.Lease lease, long destination) {
    for (PinnedRanges.Segment segment : lease.segments()) {
      CudaStatus.check(
          cudaMemcpyAsync(
              DevicePointers.at(destination + segment.offset()), DevicePointers.at(segment.address()),
              segment.bytes(), cudaMemcpyHostToDevice, copyStream),
          "cudaMemcpyAsync(host to device)");
    }
  }

  /** Makes this device current on the calling thread (cheap when it already is). */
  public void bind() {
    if (closed) {
      throw new IllegalStateException("CUDA device " + index + " is closed");
    }
    CudaStatus.check(cudaSetDevice(index), "cudaSetDevice(" + index + ")");
  }

  boolean isOpen() {
    return !closed;
  }

  /** The device index. */
  public int index() {
    return index;
  }

  /** The device's name, for example "NVIDIA H200". */
  public String name() {
    return name;
  }

  /** The compute capability, for example "9.0". */
  public String computeCapability() {
    return major + "." + minor;
  }

  /** The number of streaming multiprocessors. */
  public int multiProcessors() {
    return multiProcessors;
  }

  CUstream_st trainingStream() {
    return trainingStream;
  }

  cublasContext blas() {
    return blas;
  }

  Kernels kernels() {
    return kernels;
  }

  /** Releases the kernels, the cuBLAS handle and the streams; later calls do nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    bind();
    closed = true;
    cudaStreamSynchronize(trainingStream);
    cudaStreamSynchronize(copyStream);
    kernels.close();
    cublasDestroy_v2(blas);
    cudaStreamDestroy(copyStream);
    cudaStreamDestroy(trainingStream);
  }

  @Override
  public String toString() {
    return "CudaDevice[" + index + ": " + name + ", sm_" + major + minor + ", "
        + multiProcessors + " SMs]";
  }

  /** The host page size, the granularity of page-locking. */
  private static long pageSize() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field field = unsafeClass.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      return ((Number) unsafeClass.getMethod("pageSize").invoke(field.get(null))).longValue();
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot read the host page size (jdk.unsupported)", e);
    }
  }

  /** Page-locks host memory for the current device's context. */
  private static final class HostRegistration implements PinnedRanges.Pinner {
    @Override
    public void register(long address, long bytes) {
      CudaStatus.check(
          cudaHostRegister(DevicePointers.at(address), bytes, cudaHostRegisterDefault),
          "cudaHostRegister(" + bytes + " bytes)");
    }

    @Override
    public void unregister(long address) {
      CudaStatus.check(cudaHostUnregister(DevicePointers.at(address)), "cudaHostUnregister");
    }
  }
}
