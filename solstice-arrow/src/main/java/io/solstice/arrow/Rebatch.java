package io.solstice.arrow;

import io.solstice.arrow.internal.SharedBuffers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.util.VectorBatchAppender;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The rebatching behind {@link ArrowFlux#rebatch}: batches of exactly {@code rows} rows (the
 * last one of the stream may be smaller). A batch of the right size passes as it is; rows
 * within one input batch are sliced out of it (the same buffers); only an output that needs rows
 * of two or more input batches is copied, into a child allocator of the one given (closed when
 * the subscription has ended and its last joined batch is closed). Positions are those of the
 * input batch an output's first row comes from.
 *
 * <p>Pending rows (a tail waiting for the next batch) are closed when the subscription is
 * cancelled or fails; an input is requested only when the previous one has been split.
 *
 * <p>The last batch is joined only once it is requested, not when the source completes: a cancel
 * that meets {@code concatWith} while it moves on to its next source may never reach that source
 * (reactor-core 3.8.8, issue 4399), which then waits for a request that never comes, and a last
 * batch joined in advance would stay open in it.
 */
final class Rebatch {
  private final int rows;
  private final SourceLease lease;
  private final List<ArrowBatch> pending = new ArrayList<>();
  private int pendingRows;
  private boolean released;

  private Rebatch(int rows, SourceLease lease) {
    this.rows = rows;
    this.lease = lease;
  }

  static Flux<ArrowBatch> apply(Flux<ArrowBatch> source, int rows, BufferAllocator allocator) {
    return Flux.defer(() -> {
      Rebatch state = new Rebatch(rows, new SourceLease(allocator, "rebatch"));
      Flux<ArrowBatch> rebatched = source.concatMapIterable(state::accept, 1)
          .concatWith(Mono.fromCallable(state::finish));
      return ReleaseBeforeTheEnd.of(rebatched, state::release)
          .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
    });
  }

  /** Splits one input into the outputs it completes; keeps its tail pending. */
  private synchronized List<ArrowBatch> accept(ArrowBatch batch) {
    if (released) {
      batch.close();
      return List.of();
    }
    int count = batch.rowCount();
    if (pending.isEmpty() && count == rows) {
      return List.of(batch);
    }
    List<ArrowBatch> out = new ArrayList<>();
    try (batch) {
      int offset = 0;
      if (!pending.isEmpty() && count > 0) {
        int take = Math.min(count, rows - pendingRows);
        addPending(batch.slice(0, take), take);
        offset = take;
        if (pendingRows == rows) {
          out.add(joinPending());
        }
      }
      while (count - offset >= rows) {
        out.add(batch.slice(offset, rows));
        offset += rows;
      }
      if (offset < count) {
        addPending(batch.slice(offset, count - offset), count - offset);
      }
      return out;
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, out);
      throw e;
    }
  }

  private void addPending(ArrowBatch piece, int pieceRows) {
    if (!pending.isEmpty() && !pending.get(0).schema().getFields().equals(piece.schema().getFields())) {
      piece.close();
      throw new SchemaChangeException(null, "rebatch cannot join batches of different schemas: "
          + pending.get(0).schema() + " then, at " + piece.position() + ", " + piece.schema());
    }
    pending.add(piece);
    pendingRows += pieceRows;
  }

  /** What is left when the source has completed: the last, smaller batch, or null for none. */
  private synchronized ArrowBatch finish() {
    if (released || pending.isEmpty()) {
      return null;
    }
    if (pending.size() == 1) {
      ArrowBatch last = pending.remove(0);
      pendingRows = 0;
      return last;
    }
    return joinPending();
  }

  /** Copies the pending pieces into one new batch, and closes them. */
  private ArrowBatch joinPending() {
    List<ArrowBatch> pieces = List.copyOf(pending);
    pending.clear();
    int total = pendingRows;
    pendingRows = 0;
    try {
      return join(pieces, total);
    } finally {
      pieces.forEach(ArrowBatch::close);
    }
  }

  private ArrowBatch join(List<ArrowBatch> pieces, int total) {
    ArrowBatch first = pieces.get(0);
    lease.acquire();
    List<AutoCloseable> made = new ArrayList<>();
    try {
      VectorSchemaRoot joined = VectorSchemaRoot.create(first.schema(), lease.allocator());
      made.add(joined);
      // Arrow's appender reads a variable-width target's first offset: it needs allocated buffers.
      joined.allocateNew();
      List<FieldVector> columns = joined.getFieldVectors();
      for (int c = 0; c < columns.size(); c++) {
        ValueVector[] parts = new ValueVector[pieces.size()];
        for (int p = 0; p < parts.length; p++) {
          parts[p] = pieces.get(p).root().getVector(c);
        }
        VectorBatchAppender.batchAppend(columns.get(c), parts);
      }
      joined.setRowCount(total);
      return new ArrowBatch(joined, joinedDictionaries(pieces), first.position(), lease::release);
    } catch (RuntimeException | Error e) {
      SharedBuffers.closeAfterFailure(e, made);
      lease.release();
      throw e;
    }
  }

  /** The first piece's dictionaries, shared under the lease; every piece must have equal ones. */
  private Map<Long, Dictionary> joinedDictionaries(List<ArrowBatch> pieces) {
    ArrowBatch first = pieces.get(0);
    for (long id : first.getDictionaryIds()) {
      for (ArrowBatch other : pieces.subList(1, pieces.size())) {
        Dictionary theirs = other.lookup(id);
        if (theirs == null || !VectorEqualsVisitor.vectorEquals(first.lookup(id).getVector(), theirs.getVector())) {
          throw new SchemaChangeException(null, "rebatch cannot join the rows of " + first.position() + " and "
              + other.position() + ": their dictionary " + id + " differs, so their encoded values do not mean "
              + "the same thing");
        }
      }
    }
    return SharedBuffers.shareDictionaries(first, lease.allocator());
  }

  /** Closes pending rows and lets the lease close once the joined batches are closed. */
  private void release() {
    List<ArrowBatch> left;
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
      left = List.copyOf(pending);
      pending.clear();
      pendingRows = 0;
    }
    left.forEach(ArrowBatch::close);
    lease.release();
  }
}
