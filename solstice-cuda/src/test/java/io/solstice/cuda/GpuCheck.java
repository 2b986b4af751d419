package io.solstice.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;
import static org.bytedeco.cuda.global.cublas.cublasSetMathMode;
import static org.bytedeco.cuda.global.cublas.cublasSgemm_v2;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.metrics.ClassificationMetrics;
import io.solstice.cuda.internal.BatchBuffers;
import io.solstice.cuda.internal.CudaStatus;
import io.solstice.cuda.internal.DeviceMemory;
import io.solstice.cuda.internal.DevicePointers;
import io.solstice.cuda.internal.FlatState;
import io.solstice.cuda.internal.MlpLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.bytedeco.javacpp.FloatPointer;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * The whole GPU check in one run, for a machine with a GPU and no JDK (run by
 * {@code gpu-check/run.sh} with the runtime {@code gpu-check/build.sh} prepared):
 *
 * <ol>
 *   <li>preflight without the device: the reference figures and Arrow files load on this class
 *       path (no ND4J backend);
 *   <li>correctness: for each {@link CheckVariant}, 100 steps of the CUDA model from the same
 *       initial state and batches as the CPU reference; every loss within 1e-4 relative;
 *   <li>digits: the reference's digits run on the GPU, test accuracy at least 0.96;
 *   <li>throughput for 784-300-100-10 at batch 32 and 784-4096-4096-10 at batch 1024: samples/s
 *       and TFLOP/s of compute alone and of the pipeline (copies overlapped), copy/compute
 *       overlap, and cuBLAS's own SGEMM rate for the same products, in float32 and TF32.
 * </ol>
 *
 * <p>Usage: {@code GpuCheck <reference directory> <report file>}. Exit status 0 when every check
 * passed, 1 when one failed, 2 when no GPU could be used.
 */
public final class GpuCheck {

  private static final double LOSS_TOLERANCE = 1e-4;
  private static final double ACCURACY_FLOOR = 0.96;
  private static final DeviceColumns DIGITS = new DeviceColumns(ArrowBatches.FEATURES, ArrowBatches.LABELS, 10);

  private final Path reference;
  private final PrintStream report;
  private boolean passed = true;

  private GpuCheck(Path reference, PrintStream report) {
    this.reference = reference;
    this.report = report;
  }

  public static void main(String[] args) throws Exception {
    Path reference = Path.of(args[0]);
    Path reportFile = Path.of(args.length > 1 ? args[1] : "gpu-check-report.txt");
    try (PrintStream file = new PrintStream(Files.newOutputStream(reportFile), true, StandardCharsets.UTF_8)) {
      PrintStream both = new PrintStream(new Tee(System.out, file), true, StandardCharsets.UTF_8);
      System.exit(new GpuCheck(reference, both).run());
    }
  }

  private int run() throws Exception {
    preflight();
    CudaDevice device;
    try {
      device = CudaDevice.open(0);
    } catch (CudaUnavailableException e) {
      line("GPU CHECK NOT RUN: " + e.getMessage());
      return 2;
    }
    try (device) {
      line("device: " + device + ", CUDA driver and runtime via the JavaCPP presets");
      for (CheckVariant variant : CheckVariant.values()) {
        correctness(device, variant);
      }
      digits(device);
      throughput(device, new int[] {784, 300, 100, 10}, 32, 3000);
      throughput(device, new int[] {784, 4096, 4096, 10}, 1024, 200);
    }
    line(passed ? "RESULT: PASS" : "RESULT: FAIL");
    return passed ? 0 : 1;
  }

  /** Everything that needs no device, so a missing jar shows here, also on a CPU machine. */
  private void preflight() throws IOException, ClassNotFoundException {
    // Linking verifies each class against the types it uses: a class missing from lib/ fails here.
    for (String name : List.of("CudaMlpClassifier", "CudaDevice", "DeviceBatch", "internal.Kernels",
        "internal.NvrtcCompiler", "internal.CudaStatus", "internal.DeviceMemory", "internal.StepStats",
        "internal.PrefetchCopy", "internal.BatchBuffers", "internal.PinnedRanges")) {
      Class.forName("io.solstice.cuda." + name, true, GpuCheck.class.getClassLoader());
    }
    for (CheckVariant variant : CheckVariant.values()) {
      ReferenceFiles.readLosses(ReferenceFiles.losses(reference, variant));
      ReferenceFiles.readState(ReferenceFiles.state(reference, variant));
      variant.gpu(CudaMlpClassifier.builder().inputs(64).hidden(CheckVariant.HIDDEN).classes(10));
    }
    try (BufferAllocator allocator = new RootAllocator()) {
      long rows = IpcFileBatches.read(reference.resolve("digits-train.arrow"), allocator)
          .map(batch -> {
            try (batch) {
              BatchBuffers.locate(batch, DIGITS);
              return (long) batch.rowCount();
            }
          })
          .reduce(0L, Long::sum).block();
      line("preflight: reference figures and Arrow files read without ND4J (" + rows + " training rows)");
    }
  }

  private void correctness(CudaDevice device, CheckVariant variant) throws IOException {
    double[] expected = ReferenceFiles.readLosses(ReferenceFiles.losses(reference, variant));
    FlatState expectedState = ReferenceFiles.readState(ReferenceFiles.state(reference, variant));
    List<Double> losses = new ArrayList<>();
    FlatState state;
    try (Released allocator = new Released();
        CudaMlpClassifier model =
            variant.gpu(CudaMlpClassifier.builder().device(device).inputs(64).hidden(CheckVariant.HIDDEN)
                .classes(10).seed(CheckVariant.SEED)).build()) {
      Flux<ArrowBatch> train =
          Flux.defer(() -> IpcFileBatches.read(reference.resolve("digits-train.arrow"), allocator)).repeat();
      for (DeviceBatch batch : device.upload(train, DIGITS, 4).take(CheckVariant.STEPS).toIterable(4)) {
        try (batch) {
          ClassificationMetrics metrics = model.trainStep(batch).outputs();
          losses.add(metrics.lossSum() / metrics.count());
        }
      }
      state = model.flatState();
    }
    double worst = 0;
    int worstStep = -1;
    for (int i = 0; i < expected.length; i++) {
      double relative = Math.abs(losses.get(i) - expected[i]) / Math.abs(expected[i]);
      if (relative > worst) {
        worst = relative;
        worstStep = i;
      }
    }
    boolean ok = losses.size() == expected.length && worst <= LOSS_TOLERANCE;
    passed &= ok;
    line(String.format(Locale.ROOT,
        "correctness %s: %d steps, loss %.6f -> %.6f (CPU %.6f -> %.6f), worst relative difference %.2e at step %d (limit %.0e): %s",
        variant, losses.size(), losses.get(0), losses.get(losses.size() - 1), expected[0],
        expected[expected.length - 1], worst, worstStep, LOSS_TOLERANCE, ok ? "PASS" : "FAIL"));
    line(String.format(Locale.ROOT, "  final parameters: largest difference from the CPU %.3e (largest CPU value %.3e)",
        maxDifference(state.values(), expectedState.values()), maxAbs(expectedState.values())));
  }

  private void digits(CudaDevice device) throws IOException {
    Properties cpu = new Properties();
    try (var in = Files.newBufferedReader(reference.resolve("digits.properties"))) {
      cpu.load(in);
    }
    long start = System.nanoTime();
    ClassificationMetrics result = ClassificationMetrics.empty(10);
    try (Released allocator = new Released();
        CudaMlpClassifier model =
            CudaMlpClassifier.builder().device(device).inputs(64).hidden(ReferenceRun.DIGITS_HIDDEN).classes(10)
                .seed(ReferenceRun.DIGITS_SEED).build()) {
      Flux<ArrowBatch> train =
          Flux.defer(() -> IpcFileBatches.read(reference.resolve("digits-train.arrow"), allocator))
              .repeat(ReferenceRun.DIGITS_EPOCHS - 1);
      for (DeviceBatch batch : device.upload(train, DIGITS, 4).toIterable(4)) {
        try (batch) {
          model.trainStep(batch);
        }
      }
      for (DeviceBatch batch :
          device.upload(IpcFileBatches.read(reference.resolve("digits-test.arrow"), allocator),
              DIGITS, 4).toIterable(4)) {
        try (batch) {
          result = result.merge(model.evalStep(batch).outputs());
        }
      }
    }
    double accuracy = result.compute().get("accuracy");
    boolean ok = accuracy >= ACCURACY_FLOOR;
    passed &= ok;
    line(String.format(Locale.ROOT,
        "digits on the GPU: %d epochs, test accuracy %.4f over %d images (CPU from the same start: %s), "
            + "%.1f s: %s", ReferenceRun.DIGITS_EPOCHS, accuracy, result.count(),
        cpu.getProperty("cpuAccuracy"), (System.nanoTime() - start) / 1e9, ok ? "PASS" : "FAIL"));
  }

  private void throughput(CudaDevice device, int[] sizes, int batchSize, int steps) {
    for (boolean tf32 : new boolean[] {false, true}) {
      MlpLayout layout = new MlpLayout(sizes);
      double flopsPerStep = (double) layout.trainFlopsPerExample() * batchSize;
      SyntheticData data = new SyntheticData(sizes[0], sizes[sizes.length - 1], batchSize);
      try (Released allocator = new Released();
          CudaMlpClassifier model =
              CudaMlpClassifier.builder().device(device).inputs(sizes[0])
                  .hidden(java.util.Arrays.copyOfRange(sizes, 1, sizes.length - 1))
                  .classes(sizes[sizes.length - 1]).tensorFloat32(tf32).build()) {
        DeviceBatch resident = device.upload(data.batches(allocator, 1), data.columns(), 1).blockFirst();
        try (resident) {
          for (int i = 0; i < 20; i++) {
            model.trainStep(resident);
          }
          long t0 = System.nanoTime();
          for (int i = 0; i < steps; i++) {
            model.trainStep(resident);
          }
          double compute = (System.nanoTime() - t0) / 1e9;
          long t1 = System.nanoTime();
          device.upload(data.batches(allocator, steps), data.columns(), 4).doOnNext(DeviceBatch::close).blockLast();
          double copy = (System.nanoTime() - t1) / 1e9;
          long t2 = System.nanoTime();
          for (DeviceBatch batch : device.upload(data.batches(allocator, steps), data.columns(), 4).toIterable(4)) {
            try (batch) {
              model.trainStep(batch);
            }
          }
          double pipeline = (System.nanoTime() - t2) / 1e9;
          double gemm = gemmSeconds(device, sizes, batchSize, steps, tf32);
          double overlap = Math.max(0, Math.min(1, (compute + copy - pipeline) / Math.min(compute, copy)));
          line(String.format(Locale.ROOT,
              "throughput %s batch %d %s: pipeline %.0f samples/s (%.2f TFLOP/s); compute alone %.0f samples/s (%.2f TFLOP/s); "
                  + "copies alone %.0f samples/s; copy/compute overlap %.0f%%; cuBLAS SGEMM at the same products %.2f TFLOP/s, "
                  + "the step reaches %.0f%% of it",
              java.util.Arrays.toString(sizes), batchSize, tf32 ? "TF32" : "FP32",
              steps * batchSize / pipeline, flopsPerStep * steps / pipeline / 1e12,
              steps * batchSize / compute, flopsPerStep * steps / compute / 1e12,
              steps * batchSize / copy, overlap * 100, flopsPerStep * steps / gemm / 1e12,
              100 * gemm / compute));
        }
      }
    }
  }

  /**
   * The time cuBLAS takes for the matrix products of {@code steps} training steps alone (the
   * same shapes and transpositions as the model's), on the model's stream.
   */
  private static double gemmSeconds(CudaDevice device, int[] sizes, int rows, int steps, boolean tf32) {
    device.bind();
    CudaStatus.checkBlas(
        cublasSetMathMode(device.blas(), tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    int widest = java.util.Arrays.stream(sizes).max().getAsInt();
    long maxElements = Math.max((long) widest * widest, (long) rows * widest);
    try (DeviceMemory a = DeviceMemory.zeroed(maxElements * Float.BYTES, "A");
        DeviceMemory b = DeviceMemory.zeroed(maxElements * Float.BYTES, "B");
        DeviceMemory c = DeviceMemory.zeroed(maxElements * Float.BYTES, "C");
        FloatPointer one = new FloatPointer(1f);
        FloatPointer zero = new FloatPointer(0f)) {
      Runnable step = () -> {
        for (int l = 0; l < sizes.length - 1; l++) {
          int in = sizes[l];
          int out = sizes[l + 1];
          gemm(device, one, zero, false, false, rows, out, in, a, in, b, out, c, out);
          gemm(device, one, zero, true, false, in, out, rows, a, in, b, out, c, out);
          gemm(device, one, zero, false, false, 1, out, rows, a, rows, b, out, c, out);
          if (l > 0) {
            gemm(device, one, zero, false, true, rows, in, out, a, out, b, out, c, in);
          }
        }
      };
      for (int i = 0; i < 5; i++) {
        step.run();
      }
      CudaStatus.check(cudaStreamSynchronize(device.trainingStream()), "cudaStreamSynchronize");
      long start = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        step.run();
      }
      CudaStatus.check(cudaStreamSynchronize(device.trainingStream()), "cudaStreamSynchronize");
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static void gemm(
      CudaDevice device, FloatPointer one, FloatPointer zero, boolean transposeA, boolean transposeB,
      int m, int n, int k, DeviceMemory a, int lda, DeviceMemory b, int ldb, DeviceMemory c, int ldc) {
    CudaStatus.checkBlas(
        cublasSgemm_v2(device.blas(), transposeB ? CUBLAS_OP_T : CUBLAS_OP_N, transposeA ? CUBLAS_OP_T : CUBLAS_OP_N,
            n, m, k, one, DevicePointers.floatsAt(b.address()), ldb, DevicePointers.floatsAt(a.address()), lda,
            zero, DevicePointers.floatsAt(c.address()), ldc),
        "cublasSgemm");
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  private static double maxAbs(float[] a) {
    double max = 0;
    for (float v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  private void line(String text) {
    report.println(text);
  }

  /** Random features and labels, made as Arrow batches on a thread of their own. */
  private record SyntheticData(int width, int classes, int rows, byte[] features, long[] labels) {
    SyntheticData(int width, int classes, int rows) {
      this(width, classes, rows, randomFeatures(rows * width), randomLabels(rows, classes));
    }

    DeviceColumns columns() {
      return new DeviceColumns(ArrowBatches.FEATURES, ArrowBatches.LABELS, classes);
    }

    Flux<ArrowBatch> batches(BufferAllocator allocator, int count) {
      return Flux.range(0, count)
          .map(i -> ArrowBatches.of(allocator, features, width, labels, Integer.BYTES, i))
          .subscribeOn(Schedulers.boundedElastic());
    }

    private static byte[] randomFeatures(int n) {
      SplittableRandom random = new SplittableRandom(1);
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) random.nextDouble();
      }
      return ArrowBatches.littleEndian(values);
    }

    private static long[] randomLabels(int rows, int classes) {
      SplittableRandom random = new SplittableRandom(2);
      long[] labels = new long[rows];
      for (int i = 0; i < rows; i++) {
        labels[i] = random.nextInt(classes);
      }
      return labels;
    }
  }

  /**
   * A root allocator closed only once every buffer is back: after a cancel (take, blockFirst)
   * the copy stage closes the batches it still holds on its own thread, a moment later.
   */
  private static final class Released extends RootAllocator {
    @Override
    public void close() {
      for (int i = 0; i < 500 && getAllocatedMemory() > 0; i++) {
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      super.close();
    }
  }

  /** Writes to two streams. */
  private static final class Tee extends java.io.OutputStream {
    private final java.io.OutputStream first;
    private final java.io.OutputStream second;

    Tee(java.io.OutputStream first, java.io.OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      first.flush();
      second.flush();
    }
  }
}
