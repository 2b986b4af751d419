package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Experiment;
import io.solstice.reactive.fixtures.BusyPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every test of {@link BackpressureTest}, with each run taking its threads from a {@link RunThreadPool}
 * of one step lane and one reader lane that three endless runs keep busy.
 */
class BackpressureInAPoolTest extends BackpressureTest {
  private static BusyPool busy;

  @BeforeAll
  static void startTheNeighbours() {
    busy = new BusyPool();
  }

  @AfterAll
  static void stopTheNeighbours() {
    try {
      assertThat(busy.neighbourSteps()).as("the neighbours trained beside the tests").isPositive();
    } finally {
      busy.close();
    }
  }

  @Override
  <E extends Experiment<E, B, O>, B, O> Run<E, B, O> run(E experiment) {
    return Solstice.run(experiment).threadPool(busy.pool());
  }
}
