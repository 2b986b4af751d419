package io.solstice.arrow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** {@link SourceContract} for {@link ArrowSources#ipcStream}; broken input: a cut stream. */
class IpcStreamSourceContractTest extends SourceContract {
  @TempDir Path dir;

  @Override
  protected Flux<ArrowBatch> source() throws Exception {
    Path file = TestData.writeIpcStream(dir, "data.arrows", allocator, BATCHES, ROWS);
    return ArrowSources.ipcStream(file, allocator, ReadOptions.defaults());
  }

  @Override
  protected Flux<ArrowBatch> broken() throws Exception {
    byte[] whole = Files.readAllBytes(TestData.writeIpcStream(dir, "whole.arrows", allocator, BATCHES, ROWS));
    Path cut = Files.write(dir.resolve("cut.arrows"), Arrays.copyOf(whole, whole.length / 2 + 3));
    return ArrowSources.ipcStream(cut, allocator, ReadOptions.defaults());
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return CorruptIpcException.class;
  }
}
