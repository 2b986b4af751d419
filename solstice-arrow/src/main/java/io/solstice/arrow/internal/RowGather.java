package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SchemaChangeException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Copies chosen rows of open batches into a new batch of their schema, for every column type
 * (Arrow's {@code copyFromSafe}; a column of the null type, such as a CSV file's empty column, has
 * only a length). Dictionary-encoded columns copy their indices and share the
 * first source batch's dictionaries, so the sources must have equal dictionaries (a file's
 * batches do).
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class RowGather {

  private RowGather() {}

  /**
   * Gathers rows into a new root.
   *
   * @param sources the batches rows come from, open, with one schema
   * @param batchOf the source batch of each row, by index into {@code sources}
   * @param rowOf the row within that batch
   * @param count how many rows to gather (a prefix of the two arrays)
   * @param allocator owns the new root's buffers
   * @return the root, owned by the caller; its dictionary-encoded columns refer to the
   *     sources' dictionaries
   */
  public static VectorSchemaRoot gatherRows(List<ArrowBatch> sources, int[] batchOf, int[] rowOf, int count,
      BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(sources.get(0).schema(), allocator);
    try {
      List<FieldVector> targets = root.getFieldVectors();
      for (int c = 0; c < targets.size(); c++) {
        FieldVector target = targets.get(c);
        target.setInitialCapacity(count);
        target.allocateNew();
        // A column of the null type holds no values to copy (Arrow's copyFromSafe refuses it).
        for (int i = 0; i < count && !(target instanceof NullVector); i++) {
          target.copyFromSafe(rowOf[i], i, sources.get(batchOf[i]).root().getVector(c));
        }
        target.setValueCount(count);
      }
      root.setRowCount(count);
      return root;
    } catch (RuntimeException | Error e) {
      root.close();
      throw e;
    }
  }

  /**
   * Gathers rows into a new batch that shares the first source's dictionaries.
   *
   * @param sources the batches rows come from, open, with one schema
   * @param batchOf the source batch of each row, by index into {@code sources}
   * @param rowOf the row within that batch
   * @param count how many rows to gather (a prefix of the two arrays)
   * @param allocator owns the new batch's buffers
   * @param position the new batch's position
   * @param afterClose runs once after the new batch is closed, or null; not run if this throws
   * @return the batch, owned by the caller
   */
  public static ArrowBatch gather(List<ArrowBatch> sources, int[] batchOf, int[] rowOf, int count,
      BufferAllocator allocator, BatchPosition position, Runnable afterClose) {
    VectorSchemaRoot root = gatherRows(sources, batchOf, rowOf, count, allocator);
    try {
      Map<Long, Dictionary> dictionaries = SharedBuffers.shareDictionaries(sources.get(0), allocator);
      return new ArrowBatch(root, dictionaries, position, afterClose);
    } catch (RuntimeException | Error e) {
      root.close();
      throw e;
    }
  }

  /**
   * Whether {@code other} has every dictionary of {@code first}, with equal values: then rows of
   * both may be gathered into one batch, whose encoded values mean the same thing.
   *
   * @param first a batch
   * @param other another batch
   * @return true when the dictionaries agree
   */
  public static boolean sameDictionaries(ArrowBatch first, ArrowBatch other) {
    return differingDictionary(first, other) == null;
  }

  /**
   * Refuses a batch whose dictionaries differ from those a writer sent or stored once (Flight's
   * {@code start}, an IPC file's provider): its encoded values would be read against the first
   * dictionaries, as other values.
   *
   * @param expected the dictionaries sent or stored
   * @param batch a later batch
   * @param what what changed them, for the message (e.g. "the predictions")
   * @param sentOnce why the first dictionaries stand, for the message
   * @throws SchemaChangeException naming the dictionary and its column
   */
  public static void requireSameDictionaries(
      DictionaryProvider expected, ArrowBatch batch, String what, String sentOnce) {
    Long id = differingDictionary(expected, batch);
    if (id != null) {
      String column = dictionaryColumn(batch.schema(), id);
      throw new SchemaChangeException(column, what + " changed dictionary " + id + " (column " + column + ") at "
          + batch.position() + ": " + sentOnce);
    }
  }

  /** The first dictionary of {@code expected} that {@code actual} lacks or holds other values under. */
  private static Long differingDictionary(DictionaryProvider expected, DictionaryProvider actual) {
    for (long id : expected.getDictionaryIds()) {
      Dictionary theirs = actual.lookup(id);
      if (theirs == null || !VectorEqualsVisitor.vectorEquals(expected.lookup(id).getVector(), theirs.getVector())) {
        return id;
      }
    }
    return null;
  }

  /** The top-level column encoded with dictionary {@code id}, or null when none is. */
  private static String dictionaryColumn(Schema schema, long id) {
    for (Field field : schema.getFields()) {
      if (field.getDictionary() != null && field.getDictionary().getId() == id) {
        return field.getName();
      }
    }
    return null;
  }
}
