package io.solstice.core.checkpoint;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The child process of {@link CrashSafetyTest}: continues from the latest checkpoint in a
 * directory and writes checkpoints in a loop, forever, until it is killed. It prints
 * {@code wrote n} once its first checkpoint is complete. Every array of
 * checkpoint n is filled with n, so the parent can tell a consistent checkpoint from garbage.
 */
public final class CheckpointWriterChild {

  private CheckpointWriterChild() {}

  /**
   * Runs the loop.
   *
   * @param args the checkpoint directory
   */
  public static void main(String[] args) {
    CheckpointStore store = CheckpointStore.open(Path.of(args[0]));
    long n = store.loadLatest().map(c -> c.manifest().position().trainSteps() + 1).orElse(1L);
    long first = n;
    while (true) {
      store.write(stateFor(n), CheckpointManifest.at(new RunPosition(0, n, n, 0))
          .withSourcePosition(Map.of("offset", n)));
      List<Path> files = store.list();
      for (int i = 0; i < files.size() - 2; i++) {
        store.delete(files.get(i));
      }
      if (n == first) {
        // Tell the parent one checkpoint of this process is complete; it kills us after that.
        System.out.println("wrote " + n);
        System.out.flush();
      }
      n++;
    }
  }

  /**
   * The state of checkpoint n: every value equals n.
   *
   * @param n the checkpoint's number
   * @return the state
   */
  static NamedArrays stateFor(long n) {
    return NamedArrays.builder()
        .put("big", Nd4j.valueArrayOf(new long[] {256, 512}, (double) n, DataType.FLOAT))
        .put("small", Nd4j.valueArrayOf(new long[] {1000}, (double) n, DataType.DOUBLE))
        .scalar("n", n)
        .build();
  }
}
