package io.solstice.spark.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.ReadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/**
 * Reads the files of a partition (Arrow IPC files, or Parquet files when the name ends in
 * {@code .parquet}) one after the other: file {@code i} of the partition is fragment {@code i}.
 *
 * <p>Thread safety: thread-safe; it keeps only its batch size.
 */
public final class FileShardOpener implements ShardOpener<String> {
  private static final long serialVersionUID = 1L;

  private final int batchSize;

  /**
   * An opener.
   *
   * @param batchSize rows per batch, 0 for the batches as stored
   */
  public FileShardOpener(int batchSize) {
    this.batchSize = batchSize;
  }

  @Override
  public OpenShard open(Iterator<String> elements, BufferAllocator allocator) {
    List<String> files = new ArrayList<>();
    elements.forEachRemaining(files::add);
    return new OpenShard() {
      @Override
      public Flux<ShardBatch> batches(long fragment, long batch) {
        List<Flux<ShardBatch>> parts = new ArrayList<>();
        for (int i = (int) fragment; i < files.size(); i++) {
          String file = files.get(i);
          long start = i == fragment ? batch : 0;
          ReadOptions options = ReadOptions.builder()
              .batchSize(batchSize)
              .startAt(new BatchPosition(file, 0, start))
              .build();
          Path path = Path.of(file);
          long fragmentIndex = i;
          Flux<ArrowBatch> read = file.endsWith(".parquet")
              ? ArrowSources.parquet(path, allocator, options)
              : ArrowSources.ipcFile(path, allocator, options);
          parts.add(read.map(b -> new ShardBatch(fragmentIndex, b.position().batch(), b)));
        }
        return Flux.concat(parts);
      }

      @Override
      public void close() {}
    };
  }

}
