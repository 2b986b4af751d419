package io.solstice.reactive.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.checkpoint.Checkpoint;
import io.solstice.core.checkpoint.CheckpointStore;
import io.solstice.core.checkpoint.Checkpoints;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.core.models.MlpClassifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end crash safety of the engine with checkpoints: child JVMs train an MLP on the digits
 * through {@code Solstice.run} with a checkpoint every 3 steps, and are killed with SIGKILL
 * at random moments (a random number of steps into their run, plus a random sub-millisecond
 * delay, so kills land in steps and in checkpoint writes). After every kill the latest
 * checkpoint loads and fits a fresh MLP, and progress never goes back; each chain of kills is
 * then resumed to the end, mid-epoch, and must reach bitwise the same parameters as one
 * uninterrupted run. {@code -Dsolstice.crash.kills=N} (default 50) sets the number of kills.
 */
class TrainingCrashSafetyTest {

  private static final int KILLS = Integer.getInteger("solstice.crash.kills", 50);
  private static final int KILLS_PER_CHAIN = 10;
  private static final long SEED = Long.getLong("solstice.crash.seed", 1797L);
  private static final int PARALLEL = Integer.getInteger("solstice.crash.parallel", 1);

  @TempDir Path dir;

  @Test
  void killedAtRandomMomentsTheLatestCheckpointLoadsAndResumingEndsBitIdentical() throws Exception {
    MlpClassifier reference = DigitsTraining.run(null, null);
    long started = System.nanoTime();
    int kills = 0;
    int chains = 0;
    int killsBeforeAnyCheckpoint = 0;
    // -Dsolstice.crash.parallel=2 runs two chains at a time; on a busy two-core machine that
    // was slower than one (4.1 s per kill against 3.5 s), so one is the default.
    ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
    try {
      while (kills < KILLS) {
        List<Future<int[]>> wave = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
          int index = chains++;
          wave.add(pool.submit(() -> chain(index, reference)));
        }
        for (Future<int[]> f : wave) {
          int[] result = f.get();
          kills += result[0];
          killsBeforeAnyCheckpoint += result[1];
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("crash safety: %d SIGKILLs over %d chains in %.1f s (%d before the first "
        + "checkpoint); every chain resumed to bitwise-identical parameters%n",
        kills, chains, (System.nanoTime() - started) / 1e9, killsBeforeAnyCheckpoint);
    assertThat(kills).isGreaterThanOrEqualTo(KILLS);
  }

  /**
   * Kills up to {@link #KILLS_PER_CHAIN} children training into one directory, checking the
   * latest checkpoint after each kill, then resumes to the end and compares with the reference.
   * Returns {kills, kills before any checkpoint existed}.
   */
  private int[] chain(int index, MlpClassifier reference) throws Exception {
    Path chain = dir.resolve("chain-" + index);
    Random random = new Random(SEED + index);
    long progress = 0;
    int kills = 0;
    int beforeCheckpoint = 0;
    for (int k = 0; k < KILLS_PER_CHAIN; k++) {
      long remaining = DigitsTraining.totalSteps() - progress;
      int stepsBeforeKill = random.nextInt((int) Math.max(1, Math.min(remaining, 24)));
      if (!runAndKill(chain, stepsBeforeKill, random.nextInt(1500))) {
        break; // the child finished before the kill: the chain is complete
      }
      kills++;
      var latest = CheckpointStore.open(chain).loadLatest();
      if (latest.isEmpty()) {
        beforeCheckpoint++;
        continue;
      }
      Checkpoint checkpoint = latest.get();
      long steps = checkpoint.manifest().position().trainSteps();
      assertThat(steps).as("chain %d: progress after kill %d (seed %d)", index, k, SEED + index)
          .isGreaterThanOrEqualTo(progress);
      progress = steps;
      Resumed<MlpClassifier> fits = Checkpoints.restore(checkpoint, DigitsTraining.fresh(), Map.of());
      assertThat(fits.position()).isEqualTo(checkpoint.manifest().position());
    }
    // Resume to the end, in this JVM, through the same code path.
    MlpClassifier resumed = DigitsTraining.run(chain, null);
    assertThat(resumed.state()).as("chain %d resumed to the end (seed %d)", index, SEED + index)
        .isEqualTo(reference.state());
    return new int[] {kills, beforeCheckpoint};
  }

  /** Starts a child, kills it after it printed {@code steps} steps and a delay; false if it finished first. */
  private static boolean runAndKill(Path chain, int steps, int delayMicros) throws Exception {
    Process child = startChild(chain);
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      int seen = 0;
      String line;
      List<String> tail = new ArrayList<>();
      while (seen < steps && (line = out.readLine()) != null) {
        tail.add(line);
        if (line.equals("done")) {
          return false;
        }
        if (line.startsWith("step ")) {
          seen++;
        }
      }
      if (seen < steps) {
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        if (child.exitValue() == 0) {
          return false;
        }
        throw new AssertionError("child failed with exit code " + child.exitValue() + ": " + tail);
      }
      TimeUnit.MICROSECONDS.sleep(delayMicros);
      return true;
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static Process startChild(Path chain) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!flag.startsWith("-javaagent") && !flag.startsWith("-agentlib")) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-cp", System.getProperty("java.class.path"),
        DigitsTrainingChild.class.getName(), chain.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }
}
