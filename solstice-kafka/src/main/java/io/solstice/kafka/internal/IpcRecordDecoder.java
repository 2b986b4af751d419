package io.solstice.kafka.internal;

import io.solstice.kafka.RowColumn;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Each record value is a whole Arrow IPC stream: a schema message and exactly one record
 * batch. The batch is moved out of the reader's reused root into a root of its own.
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class IpcRecordDecoder implements RecordDecoder {

  /** Creates the decoder. */
  public IpcRecordDecoder() {}

  @Override
  public boolean rowWise() {
    return false;
  }

  @Override
  public List<RowColumn> columns() {
    return List.of();
  }

  @Override
  public void decodeRow(ConsumerRecord<byte[], byte[]> record, double[] row) {
    throw new UnsupportedOperationException("Arrow IPC records are whole batches, not rows");
  }

  @Override
  public VectorSchemaRoot decodeBatch(ConsumerRecord<byte[], byte[]> record, BufferAllocator allocator)
      throws Exception {
    if (record.value() == null || record.value().length == 0) {
      throw new IllegalArgumentException("the record has no value, expected an Arrow IPC stream");
    }
    try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(record.value()), allocator)) {
      VectorSchemaRoot readerRoot = reader.getVectorSchemaRoot();
      if (!reader.getDictionaryVectors().isEmpty()) {
        throw new IllegalArgumentException(
            "the Arrow IPC stream has dictionary-encoded columns, which Kafka records do not support;"
                + " send the decoded values");
      }
      if (!reader.loadNextBatch()) {
        throw new IllegalArgumentException("the Arrow IPC stream holds a schema but no record batch");
      }
      List<FieldVector> owned = new ArrayList<>();
      try {
        for (FieldVector v : readerRoot.getFieldVectors()) {
          var pair = v.getTransferPair(allocator);
          pair.transfer();
          owned.add((FieldVector) pair.getTo());
        }
        VectorSchemaRoot root = new VectorSchemaRoot(readerRoot.getSchema().getFields(), owned, readerRoot.getRowCount());
        if (reader.loadNextBatch()) {
          root.close();
          throw new IllegalArgumentException(
              "the Arrow IPC stream holds more than one record batch; send one batch per record");
        }
        return root;
      } catch (Exception e) {
        // Whatever refused the value (a second batch, or a second message cut short), the
        // batch moved out of the reader is released.
        AutoCloseables.close(owned);
        throw e;
      }
    }
  }
}
