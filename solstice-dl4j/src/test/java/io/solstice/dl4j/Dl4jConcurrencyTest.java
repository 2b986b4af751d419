package io.solstice.dl4j;

import static io.solstice.core.testing.ParallelBuilds.assertEveryBuildMatchesItsLoneTwin;

import io.solstice.core.testing.ParallelBuilds;
import io.solstice.reactive.concurrency.ConcurrentRuns;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The DL4J kind of the concurrency suite. DL4J initialises a network by seeding the calling
 * thread's ND4J generator with the configuration's seed and drawing from it; ND4J keeps that
 * generator per thread, so builds on different threads do not disturb one another. The seeds
 * start at 1: ND4J does not honour the seed 0 (see the core's {@code Nd4jSeedZeroTest}), so a
 * network configured with {@code seed(0)} is not reproducible even alone.
 */
class Dl4jConcurrencyTest {

  @TempDir Path dir;

  /**
   * See {@link ParallelBuilds} for the count and the chance of missing a rare fault. A
   * {@code ComputationGraph} initialises through the same seeding and weight-init code.
   */
  @Test
  void multiLayerNetworkBuildsAtOnceEqualTheirLoneTwins() {
    assertEveryBuildMatchesItsLoneTwin(1, seed ->
        Dl4jExperiment.of(Dl4jExperimentTest.multiLayerNetwork(seed, new Adam(5e-3))).state());
  }

  @Test
  void sixMultiLayerNetworkRunsAtOnceEqualTheirLoneTwins() {
    ConcurrentRuns.assertRunsAtOnceEqualTheirLoneTwins(dir, "dl4j", 1, seed ->
        Dl4jExperiment.of(Dl4jExperimentTest.multiLayerNetwork(seed, new Adam(5e-3))));
  }
}
