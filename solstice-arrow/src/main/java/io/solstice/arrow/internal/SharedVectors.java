package io.solstice.arrow.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Vectors that share another vector's buffers by reference count, accounted to a given
 * allocator: how a batch gets its own handle on memory that stays with its owner too (the
 * dictionaries of a reader, a caller's roots).
 *
 * <p>Thread safety: thread-safe; it keeps no state.
 */
public final class SharedVectors {

  private SharedVectors() {}

  /**
   * A vector holding the same values as {@code v}, sharing its buffers, owned by
   * {@code target}. The caller closes both, in any order.
   *
   * @param v the vector to share
   * @param target the allocator of the new vector
   * @return the new vector
   */
  public static FieldVector share(FieldVector v, BufferAllocator target) {
    if (v.getValueCount() == 0) {
      FieldVector empty = v.getField().createVector(target);
      empty.setValueCount(0);
      return empty;
    }
    TransferPair pair = v.getTransferPair(target);
    pair.splitAndTransfer(0, v.getValueCount());
    FieldVector shared = (FieldVector) pair.getTo();
    try (VectorSchemaRoot moved =
        new VectorSchemaRoot(List.of(shared.getField()), List.of(shared), v.getValueCount())) {
      return rehome(moved, target).getFieldVectors().get(0);
    }
  }

  /**
   * Every dictionary of a provider, shared (see {@link #share}) under {@code target}.
   *
   * @param provider the dictionaries, or null
   * @param target the allocator of the copies
   * @return the shared dictionaries by id; the caller closes their vectors
   */
  public static Map<Long, Dictionary> shareDictionaries(DictionaryProvider provider, BufferAllocator target) {
    Map<Long, Dictionary> out = new HashMap<>();
    if (provider == null) {
      return out;
    }
    try {
      for (long id : provider.getDictionaryIds()) {
        Dictionary d = provider.lookup(id);
        out.put(id, new Dictionary(share(d.getVector(), target), d.getEncoding()));
      }
      return out;
    } catch (RuntimeException | Error e) {
      try {
        AutoCloseables.close(out.values().stream().map(Dictionary::getVector).toList());
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Re-associates every buffer of {@code source} with {@code target} (no copy: the buffers are
   * retained under the target's accounting). A transfer pair alone is not enough: in Arrow
   * 18.3 {@code FixedSizeListVector}'s split keeps its validity buffer accounted to the source
   * allocator, which then cannot close while the batch lives (the Flight client closes its
   * allocator at the end of the stream). Loading an unloaded batch retains each buffer with the
   * target allocator, for every vector type. The caller closes {@code source}.
   *
   * @param source the vectors to re-associate
   * @param target the allocator to account them to
   * @return a new root over the same buffers
   */
  public static VectorSchemaRoot rehome(VectorSchemaRoot source, BufferAllocator target) {
    VectorSchemaRoot out = VectorSchemaRoot.create(source.getSchema(), target);
    try (ArrowRecordBatch batch = new VectorUnloader(source).getRecordBatch()) {
      new VectorLoader(out).load(batch);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }
}
