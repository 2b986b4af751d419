package io.solstice.reactive;

import io.solstice.core.Experiment;
import io.solstice.reactive.fixtures.BusyPool;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every test of {@link HookOrderTest}, with each run taking its threads from a {@link RunThreadPool}
 * of one step lane and one reader lane that three endless runs keep busy.
 */
class HookOrderInAPoolTest extends HookOrderTest {
  @RegisterExtension static final BusyPool BUSY = new BusyPool();

  @Override
  String[] threadPrefixes() {
    return new String[] {"solstice-pool-step-", "solstice-pool-reader-"};
  }

  @Override
  <E extends Experiment<E, B, O>, B, O> Run<E, B, O> run(E experiment) {
    return Solstice.run(experiment).threadPool(BUSY.pool());
  }
}
