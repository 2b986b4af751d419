package io.solstice.kafka.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.ReadOptions;
import io.solstice.kafka.RowColumn;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.TransferPair;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Each record value is a whole Arrow IPC stream: a schema message and exactly one record
 * batch. The batch is moved out of the reader's root into a root of its own.
 *
 * <p>The value is read by the Arrow module's IPC stream source, with every check it makes of a
 * stream (declared lengths against the bytes that are there, offsets, buffers, views, unions),
 * and with no message allowed to be larger than the value itself: a corrupt or hostile record is
 * a bad record ({@code CorruptIpcException} as its cause), never an allocation of whatever a
 * header declares or a batch whose offsets point outside its values.
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
  public VectorSchemaRoot decodeBatch(ConsumerRecord<byte[], byte[]> record, BufferAllocator allocator) {
    byte[] value = record.value();
    if (value == null || value.length == 0) {
      throw new IllegalArgumentException("the record has no value, expected an Arrow IPC stream");
    }
    String name = record.topic() + "-" + record.partition() + "@" + record.offset();
    ReadOptions options = ReadOptions.builder().maxMessageBytes(value.length).build();
    List<ArrowBatch> batches = new ArrayList<>();
    try {
      ArrowSources.ipcStream(name, () -> new ByteArrayInputStream(value), allocator, options)
          .doOnNext(batches::add)
          .blockLast();
      if (batches.isEmpty()) {
        throw new IllegalArgumentException("the Arrow IPC stream holds a schema but no record batch");
      }
      if (batches.size() > 1) {
        throw new IllegalArgumentException(
            "the Arrow IPC stream holds more than one record batch; send one batch per record");
      }
      ArrowBatch batch = batches.get(0);
      if (!batch.getDictionaryIds().isEmpty()) {
        throw new IllegalArgumentException(
            "the Arrow IPC stream has dictionary-encoded columns, which Kafka records do not support;"
                + " send the decoded values");
      }
      return ownRoot(batch.root(), allocator);
    } finally {
      // Whatever refused the value (a second batch, a message cut short, a corrupt one), the
      // batches read before are released.
      batches.forEach(ArrowBatch::close);
    }
  }

  /** The batch's vectors moved into a root of the consumer's allocator, which outlives the batch. */
  private static VectorSchemaRoot ownRoot(VectorSchemaRoot read, BufferAllocator allocator) {
    List<FieldVector> owned = new ArrayList<>();
    for (FieldVector v : read.getFieldVectors()) {
      TransferPair pair = v.getTransferPair(allocator);
      pair.transfer();
      owned.add((FieldVector) pair.getTo());
    }
    return new VectorSchemaRoot(read.getSchema().getFields(), owned, read.getRowCount());
  }
}
