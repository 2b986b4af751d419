package io.solstice.arrow;

import java.util.Objects;

/**
 * Where a batch came from: the {@code batch}-th batch (from 0) of the {@code fragment}-th
 * fragment (from 0) of a source. A fragment is one file of a Parquet directory, in name order;
 * an IPC file, an IPC stream, a Flight stream and in-memory roots have the single fragment 0.
 * Batches are counted as emitted, that is after re-batching.
 *
 * <p>A checkpoint stores the position of the last batch trained on; a resumed run passes
 * {@link #next()} to {@link ReadOptions.Builder#startAt(BatchPosition)}.
 *
 * <p>Thread safety: immutable (a record); safe to share.
 *
 * @param source a name of the source (a file name, a Flight location), for messages
 * @param fragment the fragment index, from 0
 * @param batch the batch index within the fragment, from 0
 */
public record BatchPosition(String source, long fragment, long batch) {

  /** Validates the indices. */
  public BatchPosition {
    Objects.requireNonNull(source, "source");
    if (fragment < 0 || batch < 0) {
      throw new IllegalArgumentException(
          "fragment and batch must be >= 0, got fragment=" + fragment + ", batch=" + batch);
    }
  }

  /**
   * The position of the batch after this one in the same fragment; a source started there
   * moves on to the next fragment when this fragment has no more batches.
   *
   * @return the next position
   */
  public BatchPosition next() {
    return new BatchPosition(source, fragment, batch + 1);
  }

  /**
   * Whether this position is at or after ({@code fragment}, {@code batch}).
   *
   * @param fragment a fragment index
   * @param batch a batch index
   * @return true if this position is not before ({@code fragment}, {@code batch})
   */
  public boolean isAtOrAfter(long fragment, long batch) {
    return this.fragment > fragment || (this.fragment == fragment && this.batch >= batch);
  }
}
