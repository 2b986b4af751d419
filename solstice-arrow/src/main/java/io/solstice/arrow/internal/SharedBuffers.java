package io.solstice.arrow.internal;

import java.util.ArrayList;
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
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Makes new vectors over the same buffers, with one more reference on each (Arrow's own
 * reference counting, no copy): the memory is released when the last vector holding it is
 * closed, whichever that is.
 */
public final class SharedBuffers {
  private SharedBuffers() {}

  /**
   * A new root whose vectors hold the buffers of {@code source}'s, retained under {@code
   * target}'s accounting. A transfer pair alone is not enough: in Arrow 18.3 {@code
   * FixedSizeListVector}'s split keeps its validity buffer accounted to the source allocator,
   * which then cannot close while the new root lives (the Flight client closes its allocator at
   * the end of the stream). Loading an unloaded batch retains each buffer with the target
   * allocator, for every vector type. {@code source} stays open and unchanged.
   *
   * @param source the root to share
   * @param target the allocator the new vectors account to
   * @return the new root, owned by the caller
   */
  public static VectorSchemaRoot share(VectorSchemaRoot source, BufferAllocator target) {
    VectorSchemaRoot out = VectorSchemaRoot.create(source.getSchema(), target);
    try (ArrowRecordBatch batch = new VectorUnloader(source).getRecordBatch()) {
      new VectorLoader(out).load(batch);
      return out;
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  /**
   * A new vector holding the buffers of {@code vector}, retained under its own allocator.
   *
   * @param vector the vector to share
   * @return the new vector, owned by the caller
   */
  public static FieldVector share(FieldVector vector) {
    return share(vector, vector.getAllocator());
  }

  /**
   * A new vector holding the buffers of {@code vector}, retained under {@code target}.
   *
   * @param vector the vector to share
   * @param target the allocator the new vector accounts to
   * @return the new vector, owned by the caller
   */
  public static FieldVector share(FieldVector vector, BufferAllocator target) {
    if (vector.getValueCount() == 0) {
      // Nothing to share: an empty vector of the same field.
      FieldVector empty = vector.getField().createVector(target);
      empty.setValueCount(0);
      return empty;
    }
    VectorSchemaRoot single = new VectorSchemaRoot(List.of(vector.getField()), List.of(vector), vector.getValueCount());
    return share(single, target).getFieldVectors().get(0);
  }

  /**
   * Each vector of {@code source} shared under its own allocator, in order.
   *
   * @param source the vectors to share
   * @return the new vectors, owned by the caller
   */
  public static List<FieldVector> shareEach(List<FieldVector> source) {
    List<FieldVector> out = new ArrayList<>(source.size());
    try {
      for (FieldVector v : source) {
        out.add(share(v));
      }
      return out;
    } catch (RuntimeException | Error e) {
      closeAfterFailure(e, out);
      throw e;
    }
  }

  /**
   * A root over the given vectors (taking ownership of them).
   *
   * @param vectors the columns, in order
   * @param rows the row count
   * @return the root
   */
  public static VectorSchemaRoot rootOf(List<FieldVector> vectors, int rows) {
    List<Field> fields = new ArrayList<>(vectors.size());
    for (FieldVector v : vectors) {
      fields.add(v.getField());
    }
    return new VectorSchemaRoot(fields, vectors, rows);
  }

  /**
   * Every dictionary of {@code provider}, each shared into a new vector the caller owns.
   *
   * @param provider the dictionaries, or null for none
   * @param target the allocator the new vectors account to, or null for each vector's own
   * @return the shared dictionaries by id
   */
  public static Map<Long, Dictionary> shareDictionaries(DictionaryProvider provider, BufferAllocator target) {
    Map<Long, Dictionary> shared = new HashMap<>();
    if (provider == null) {
      return shared;
    }
    try {
      for (long id : provider.getDictionaryIds()) {
        Dictionary d = provider.lookup(id);
        FieldVector vector = target == null ? share(d.getVector()) : share(d.getVector(), target);
        shared.put(id, new Dictionary(vector, d.getEncoding()));
      }
      return shared;
    } catch (RuntimeException | Error e) {
      closeAfterFailure(e, List.of(), shared);
      throw e;
    }
  }

  /**
   * Closes vectors and dictionaries made before a failure, adding any error in closing to
   * {@code failure}.
   *
   * @param failure the error being thrown
   * @param made the vectors (or other resources) to close
   * @param dictionaries the dictionaries whose vectors to close
   */
  public static void closeAfterFailure(Throwable failure, List<? extends AutoCloseable> made,
      Map<Long, Dictionary> dictionaries) {
    List<AutoCloseable> all = new ArrayList<>(made);
    dictionaries.values().forEach(d -> all.add(d.getVector()));
    closeAfterFailure(failure, all);
  }

  /**
   * Closes what was made before a failure, adding any error in closing to {@code failure}.
   *
   * @param failure the error being thrown
   * @param made what to close
   */
  public static void closeAfterFailure(Throwable failure, List<? extends AutoCloseable> made) {
    try {
      AutoCloseables.close(made);
    } catch (Exception suppressed) {
      failure.addSuppressed(suppressed);
    }
  }
}
