package io.solstice.cuda;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import reactor.core.publisher.Flux;

/**
 * Reads an Arrow IPC file as owned batches with Arrow's own reader, for the GPU check.
 *
 * <p>Why not {@code ArrowSources.ipcFile}: that class also declares the Flight sources, and the
 * JVM cannot link it without flight-core and gRPC on the class path, which the 64 MiB check
 * directory cannot carry. This reader makes the same owned batches (each in a root of its own).
 */
final class IpcFileBatches {

  private IpcFileBatches() {}

  static Flux<ArrowBatch> read(Path file, BufferAllocator allocator) {
    return Flux.generate(
        () -> new Cursor(new ArrowFileReader(FileChannel.open(file, StandardOpenOption.READ), allocator)),
        (cursor, sink) -> {
          try {
            if (!cursor.reader.loadNextBatch()) {
              sink.complete();
              return cursor;
            }
            VectorSchemaRoot shared = cursor.reader.getVectorSchemaRoot();
            VectorSchemaRoot owned = VectorSchemaRoot.create(shared.getSchema(), allocator);
            try (ArrowRecordBatch record = new VectorUnloader(shared).getRecordBatch()) {
              new VectorLoader(owned).load(record);
            }
            sink.next(new ArrowBatch(owned, Map.of(), new BatchPosition(file.toString(), 0, cursor.index++), null));
          } catch (IOException e) {
            sink.error(new UncheckedIOException("cannot read " + file, e));
          }
          return cursor;
        },
        cursor -> {
          try {
            cursor.reader.close();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** The reader and the index of the next batch. */
  private static final class Cursor {
    final ArrowFileReader reader;
    long index;

    Cursor(ArrowFileReader reader) {
      this.reader = reader;
    }
  }
}
