package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.reactive.TrainingSubscriber;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/**
 * Where {@code solstice stream} reads its batches: the synthetic stream it serves itself ({@link
 * SyntheticStream}), a user's Arrow Flight endpoint ({@link FlightEndpoint}) or a Kafka topic
 * ({@link KafkaTopic}). A source maps the failures its user can fix (an endpoint that cannot be
 * reached, a refused token, a bad record) to a one-line {@code UsageException}.
 */
public interface StreamSource extends AutoCloseable {

  /**
   * The line printed before training starts.
   *
   * @return what is read, and from where
   */
  String describe();

  /**
   * The stream's batches, read when subscribed; each is owned by its receiver.
   *
   * @param allocator where the client side allocates (closed by the caller once the run has ended)
   * @return the batches, in the stream's own columns
   */
  Flux<ArrowBatch> batches(BufferAllocator allocator);

  /**
   * The batches the source has produced so far, when it produces them itself.
   *
   * @return the count, or -1 when the source does not know it
   */
  default long produced() {
    return -1;
  }

  /**
   * Synchronous subscribers the run must have (a Kafka source's acknowledger), asked for after
   * {@link #batches}.
   *
   * @return the subscribers
   */
  default List<TrainingSubscriber<Object, Object>> subscribers() {
    return List.of();
  }

  /** Releases what the source started (a server); called once the run has ended. */
  @Override
  default void close() {}
}
