package io.solstice.arrow.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
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
      return SharedBuffers.share(moved, target).getFieldVectors().get(0);
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
}
