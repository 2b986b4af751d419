package io.solstice.arrow.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.FeatureSpec;
import io.solstice.arrow.ReadOptions;
import io.solstice.core.TensorBatch;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * The soak run (Maven profile {@code soak}, not part of the default build): online
 * training of a small MLP on an unbounded Arrow source (in-memory roots read again
 * and again, through {@link FeatureSpec}) for {@code -Dsolstice.soak.steps} steps (default
 * 1,000,000). Every tenth of the run it records throughput, the process's physical memory and
 * the bytes JavaCPP tracks for ND4J (off-heap), the Arrow allocator, and the heap after full
 * GCs (see {@link #settledHeap()}), and it checks that none grows beyond a small allowance and that throughput holds.
 *
 * <pre>mvn -B -pl solstice-arrow -am -Psoak test -Dtest=SoakRun -Dsurefire.failIfNoSpecifiedTests=false</pre>
 */
class SoakRun {

  private static final long STEPS = Long.getLong("solstice.soak.steps", 1_000_000L);
  private static final long WARMUP = Math.min(20_000, STEPS / 10);
  private static final FeatureSpec SPEC = FeatureSpec.builder().features("x").label("label").build();

  /** One sample of the run's resources. */
  record Sample(long step, double stepsPerSecond, long physicalBytes, long javacppBytes,
      long arrowBytes, long heapAfterGc) {
    @Override
    public String toString() {
      return String.format("step %9d  %8.0f steps/s  physical %6.1f MiB  javacpp %6.1f MiB  arrow %5.1f KiB  heap %6.1f MiB",
          step, stepsPerSecond, physicalBytes / 1048576.0, javacppBytes / 1048576.0,
          arrowBytes / 1024.0, heapAfterGc / 1048576.0);
    }
  }

  @Test
  void aMillionOnlineStepsKeepMemoryFlatAndThroughputSteady() {
    List<Sample> samples = new ArrayList<>();
    long every = Math.max(1, (STEPS - WARMUP) / 10);
    try (RootAllocator allocator = new RootAllocator(64L << 20)) {
      List<VectorSchemaRoot> roots = SmallArrowData.roots(allocator, 16, 8);
      try {
        Flux<TensorBatch> unbounded = ArrowSources.roots("soak", roots, null, allocator, ReadOptions.defaults())
            .<TensorBatch>map(SPEC::toTensors)
            .doOnDiscard(ArrowBatch.class, ArrowBatch::close)
            .repeat();
        MlpClassifier mlp = MlpClassifier.builder().inputs(SmallArrowData.WIDTH).hidden(8).classes(3)
            .seed(5).build();
        long[] windowStart = {System.nanoTime(), 0};
        Solstice.run(mlp).train(unbounded).maxSteps(STEPS)
            .steps()
            .doOnNext(result -> {
              long done = result.globalStep() + 1;
              if (done == WARMUP || (done > WARMUP && (done - WARMUP) % every == 0)) {
                samples.add(sample(done, windowStart, allocator));
                System.out.println("soak: " + samples.get(samples.size() - 1));
              }
            })
            .blockLast();
      } finally {
        roots.forEach(VectorSchemaRoot::close);
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
    Sample start = samples.get(1);
    Sample end = samples.get(samples.size() - 1);
    System.out.printf("soak: %d steps; start %s%nsoak: end   %s%n", STEPS, start, end);
    assertThat(end.javacppBytes()).as("ND4J off-heap").isLessThanOrEqualTo(start.javacppBytes() + (16L << 20));
    assertThat(end.physicalBytes()).as("process physical memory")
        .isLessThanOrEqualTo(start.physicalBytes() + (128L << 20));
    assertThat(end.arrowBytes()).as("Arrow allocator").isEqualTo(start.arrowBytes());
    assertThat(end.heapAfterGc()).as("heap after GC").isLessThanOrEqualTo(start.heapAfterGc() + (32L << 20));
    assertThat(end.stepsPerSecond()).as("throughput").isGreaterThan(start.stepsPerSecond() * 0.5);
  }

  private static Sample sample(long step, long[] window, RootAllocator allocator) {
    long now = System.nanoTime();
    double rate = (step - window[1]) / ((now - window[0]) / 1e9);
    long heap = settledHeap();
    Sample s = new Sample(step, rate, Pointer.physicalBytes(), Pointer.totalBytes(),
        allocator.getAllocatedMemory(), heap);
    window[0] = System.nanoTime(); // the GC above is not counted in the next window
    window[1] = step;
    return s;
  }

  /**
   * The heap after garbage collection, once ND4J's deallocator has caught up. Every ND4J array
   * leaves a small bookkeeping object that its deallocator thread drops only after a GC has found
   * the array unreachable, so a single GC still counts the arrays of the last few thousand steps;
   * the least of three GCs a quarter of a second apart is what the run really retains.
   */
  private static long settledHeap() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while sampling the heap", e);
      }
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }
}
