package io.solstice.examples.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An online run stopped from outside (what Ctrl-C does) ends cleanly. */
class OnlineRunTest {

  @Test
  void cancellingARunningStreamReleasesTheServerTheStreamAndAllArrowMemory() throws Exception {
    OnlineRun run = new OnlineRun(new OnlineRun.Settings(1_000_000, 4, 32, 500_000, 10, 10, 1));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    CompletableFuture<OnlineRun.Result> result = CompletableFuture.supplyAsync(() -> run.run(out));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!bytes.toString(StandardCharsets.UTF_8).contains("batches\n") && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }

    run.cancel(20_000);

    // run() closes both allocators before it returns; a leaked buffer would have failed it.
    OnlineRun.Result done = result.get(30, TimeUnit.SECONDS);
    assertThat(done.cancelled()).isTrue();
    assertThat(done.steps()).isPositive().isLessThan(1_000_000);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("Stopped after " + done.steps() + " steps");
  }
}
