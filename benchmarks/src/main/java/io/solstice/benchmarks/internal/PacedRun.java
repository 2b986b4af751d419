package io.solstice.benchmarks.internal;

import com.sun.management.OperatingSystemMXBean;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * One engine run paced by its source, in a JVM of its own so that {@code
 * OPENBLAS_THREAD_TIMEOUT} (read when OpenBLAS loads) can differ per process: MLP 784-256-10 at
 * batch 128, a batch every few milliseconds, as from a stream whose data arrives slower than
 * the model trains. Prints one JSON object: the process's CPU time per step, and how long each
 * step took (the engine's own step timing).
 *
 * <pre>
 * PacedRun ROWS WARMUP_EPOCHS STEPS INTERVAL_MILLIS
 * </pre>
 */
public final class PacedRun {

  private PacedRun() {}

  /**
   * Trains unpaced for the warm-up, then times the paced run and prints the report on stdout.
   *
   * @param args rows per epoch, warm-up epochs, paced steps, milliseconds between batches
   */
  public static void main(String[] args) {
    int rows = Integer.parseInt(args[0]);
    int warmupEpochs = Integer.parseInt(args[1]);
    int steps = Integer.parseInt(args[2]);
    int intervalMillis = Integer.parseInt(args[3]);
    List<TensorBatch> batches = SyntheticMnist.generate(rows, 1, 7).batches(128);
    MlpClassifier model = Models.engineEpochs(
        Models.mlp(SyntheticMnist.FEATURES, 256, 10), batches, warmupEpochs);

    double[] stepMillis = new double[steps];
    int[] seen = {0};
    TrainingSubscriber<Object, Object> stepTimes = event -> {
      if (event instanceof TrainingEvent.StepEnded<?, ?> ended && seen[0] < steps) {
        stepMillis[seen[0]++] = ended.timings().step() / 1e6;
      }
    };
    // Buffered, so that a step slower than the interval delays the ticks instead of failing them.
    Flux<TensorBatch> paced = Flux.interval(Duration.ofMillis(intervalMillis))
        .onBackpressureBuffer()
        .take(steps)
        .map(i -> batches.get((int) (i % batches.size())));
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long wallStart = System.nanoTime();
    long cpuStart = os.getProcessCpuTime();
    Solstice.run(model).train(paced)
        .subscribers(stepTimes)
        .block();
    double cpuSeconds = (os.getProcessCpuTime() - cpuStart) / 1e9;
    double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
    if (seen[0] != steps) {
      throw new IllegalStateException("the paced run took " + seen[0] + " steps, not " + steps);
    }
    System.out.println(Json.obj()
        .put("openblas_thread_timeout", MachineInfo.openBlasThreadTimeout())
        .put("omp_num_threads", MachineInfo.ompThreads())
        .put("steps", steps)
        .put("interval_ms", intervalMillis)
        .put("wall_s", wallSeconds)
        .put("cpu_s", cpuSeconds)
        .put("cpu_cores", cpuSeconds / wallSeconds)
        .put("cpu_ms_per_step", cpuSeconds * 1e3 / steps)
        .put("step_ms", Summary.of(stepMillis).toJson()));
  }
}
