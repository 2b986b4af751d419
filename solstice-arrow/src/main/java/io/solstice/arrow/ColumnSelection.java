package io.solstice.arrow;

import io.solstice.arrow.internal.SharedBuffers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import reactor.core.publisher.Flux;

/**
 * The projection behind {@link ArrowFlux#select}: each batch becomes a batch of the named
 * columns, in the order named, over the same buffers (no copy); the columns left out are
 * released with the input batch, which is closed. A missing column fails the flux with a
 * {@link MissingColumnException} after closing the batch.
 */
final class ColumnSelection {
  private ColumnSelection() {}

  static Flux<ArrowBatch> apply(Flux<ArrowBatch> source, List<String> columns) {
    return source.handle((batch, sink) -> {
      try (batch) {
        sink.next(select(batch, columns));
      } catch (RuntimeException | Error e) {
        sink.error(e);
      }
    });
  }

  private static ArrowBatch select(ArrowBatch batch, List<String> columns) {
    VectorSchemaRoot root = batch.root();
    List<FieldVector> kept = new ArrayList<>(columns.size());
    for (String name : columns) {
      FieldVector v = root.getVector(name);
      if (v == null) {
        List<String> present = root.getSchema().getFields().stream().map(f -> f.getName()).toList();
        throw MissingColumnException.notAmong(name, "cannot be selected: not in the batch", present);
      }
      kept.add(v);
    }
    List<FieldVector> shared = SharedBuffers.shareEach(kept);
    Map<Long, Dictionary> dictionaries = new HashMap<>();
    try {
      for (FieldVector v : kept) {
        DictionaryEncoding encoding = v.getField().getDictionary();
        Dictionary d = encoding == null ? null : batch.lookup(encoding.getId());
        if (d != null && !dictionaries.containsKey(encoding.getId())) {
          dictionaries.put(encoding.getId(), new Dictionary(SharedBuffers.share(d.getVector()), d.getEncoding()));
        }
      }
      return batch.derive(SharedBuffers.rootOf(shared, root.getRowCount()), dictionaries);
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, shared, dictionaries);
      throw e;
    }
  }
}
