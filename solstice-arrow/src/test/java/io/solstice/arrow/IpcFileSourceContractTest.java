package io.solstice.arrow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** {@link SourceContract} for {@link ArrowSources#ipcFile}; broken input: a truncated file. */
class IpcFileSourceContractTest extends SourceContract {
  @TempDir Path dir;

  @Override
  protected Flux<ArrowBatch> source() throws Exception {
    return ArrowSources.ipcFile(TestData.writeIpcFile(dir, "data.arrow", allocator, BATCHES, ROWS), allocator);
  }

  @Override
  protected Flux<ArrowBatch> broken() throws Exception {
    byte[] whole = Files.readAllBytes(TestData.writeIpcFile(dir, "whole.arrow", allocator, BATCHES, ROWS));
    Path cut = Files.write(dir.resolve("cut.arrow"), Arrays.copyOf(whole, whole.length / 2));
    return ArrowSources.ipcFile(cut, allocator);
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return CorruptIpcException.class;
  }
}
