package io.solstice.cuda;

import io.solstice.arrow.ArrowBatch;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/** The bundled digits as Arrow batches and IPC files (needs ND4J: the data set hands out ND4J arrays). */
final class DigitsArrow {

  private DigitsArrow() {}

  /** The data set's batches (in order) as Arrow batches with Int32 labels. */
  static List<ArrowBatch> batches(BufferAllocator allocator, DigitsDataset data, int batchSize) {
    List<ArrowBatch> out = new ArrayList<>();
    long index = 0;
    for (TensorBatch batch : data.batches(batchSize)) {
      out.add(
          ArrowBatches.of(
              allocator, batch.features().dup('c').data().asFloat(), DigitsDataset.FEATURES,
              batch.labels().toLongVector(), index++));
    }
    return out;
  }

  /** Writes the data set as an Arrow IPC file of record batches of batchSize rows. */
  static void write(Path file, DigitsDataset data, int batchSize, BufferAllocator allocator)
      throws IOException {
    List<ArrowBatch> batches = batches(allocator, data, batchSize);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(batches.get(0).schema(), allocator);
        FileChannel channel =
            FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ArrowFileWriter writer = new ArrowFileWriter(root, null, channel)) {
      writer.start();
      for (ArrowBatch batch : batches) {
        try (batch; ArrowRecordBatch record = new VectorUnloader(batch.root()).getRecordBatch()) {
          new VectorLoader(root).load(record);
          writer.writeBatch();
        }
      }
      writer.end();
    }
  }
}
