package io.solstice.kafka.internal;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.arrow.SourceLease;
import io.solstice.kafka.BadRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

/**
 * The one thread that owns a {@link KafkaConsumer} (which is not thread-safe): every consumer
 * call, including commits, pause/resume, seeks and close, happens here.
 *
 * <p>Each turn it builds due batches, emits ready batches while the subscriber has demand,
 * commits finished offsets, and then polls. It asks for records only when no batch is waiting
 * for demand and the records fetched but not finished, plus one more poll's worth, stay within
 * the bound; otherwise it pauses every assigned partition and polls only to stay in the group.
 * So a fast topic never piles up: at most {@code maxInFlightRecords} records are held, whatever
 * the producer's speed.
 *
 * <p>Thread safety: not thread-safe apart from stop(), which any thread may call; everything
 * else runs on the loop's own thread.
 */
public final class PollLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration PAUSED_POLL = Duration.ofMillis(10);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final SourceSettings settings;
  private final OffsetLedger ledger;
  private final SourceStats stats;
  private final FluxSink<ArrowBatch> sink;
  private final Map<TopicPartition, Long> startOffsets;
  private final SourceLease lease;
  private final ArrayDeque<Ready> ready = new ArrayDeque<>();
  private final Map<TopicPartition, RowGatherer> gatherers = new HashMap<>();
  private final double[] row;
  private final long idleNanos;
  private final Runnable released;
  private volatile boolean stopped;
  private boolean closing;
  /** For {@link #stop()} only: the consumer to wake up. */
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  /** The consumer, used on the poll thread only. */
  private KafkaConsumer<byte[], byte[]> owned;
  private KafkaProducer<byte[], byte[]> deadLetters;
  private long idleSinceNanos;

  private record Ready(TopicPartition partition, ArrowBatch batch, long records) {}

  /**
   * Creates the loop of one subscription.
   *
   * @param settings the source's settings
   * @param ledger the source's offset book
   * @param stats the source's counters
   * @param sink where batches go
   * @param startOffsets offsets to seek to when a partition is first assigned (from a
   *     checkpoint); entries are removed as they are applied
   * @param allocatorName the name of this subscription's child allocator
   * @param released run once everything is released, before the stream's terminal signal
   */
  public PollLoop(
      SourceSettings settings,
      OffsetLedger ledger,
      SourceStats stats,
      FluxSink<ArrowBatch> sink,
      Map<TopicPartition, Long> startOffsets,
      String allocatorName,
      Runnable released) {
    this.settings = settings;
    this.released = released;
    this.ledger = ledger;
    this.stats = stats;
    this.sink = sink;
    this.startOffsets = startOffsets;
    this.lease = new SourceLease(settings.allocator(), allocatorName);
    this.row = new double[Math.max(1, settings.decoder().columns().size())];
    this.idleNanos = settings.completeWhenIdle() == null ? -1 : settings.completeWhenIdle().toNanos();
  }

  /** Asks the loop to stop at its next turn; safe from any thread. */
  public void stop() {
    stopped = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  @Override
  public void run() {
    Throwable failure = null;
    boolean completed = false;
    KafkaConsumer<byte[], byte[]> c = null;
    try {
      c = new KafkaConsumer<>(settings.consumerConfig(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      owned = c;
      consumer = c;
      if (stopped) {
        return;
      }
      c.subscribe(settings.topics(), new Rebalances());
      idleSinceNanos = System.nanoTime();
      while (!stopped) {
        long now = System.nanoTime();
        flushDue(now);
        emitReady();
        commitAsync();
        if (LOG.isTraceEnabled()) {
          LOG.trace("turn: ready={} requested={} inFlight={} pending={} assignment={}", ready.size(),
              sink.requestedFromDownstream(), stats.inFlight(), ledger.hasPending(), c.assignment());
        }
        if (isIdleAndDone(now, c)) {
          completed = true;
          break;
        }
        boolean wantRecords = ready.isEmpty()
            && sink.requestedFromDownstream() > 0
            && stats.inFlight() + settings.maxPollRecords() <= settings.maxInFlightRecords();
        if (wantRecords) {
          c.resume(c.paused());
        } else {
          c.pause(c.assignment());
          idleSinceNanos = now;
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = c.poll(wantRecords ? pollTimeout(now) : PAUSED_POLL);
        } catch (WakeupException e) {
          continue;
        }
        recordLogEnds(c);
        if (!records.isEmpty()) {
          idleSinceNanos = System.nanoTime();
          take(records);
        } else if (c.assignment().isEmpty()) {
          idleSinceNanos = System.nanoTime();
        }
      }
      dropUnemitted();
      commitSyncOnExit(c);
    } catch (Throwable t) {
      failure = t;
      dropUnemitted();
    } finally {
      closing = true;
      consumer = null;
      try {
        if (c != null) {
          closeWithin(c, CLOSE_TIMEOUT);
        }
      } catch (RuntimeException e) {
        LOG.warn("closing the consumer failed: {}", e.toString());
      }
      stats.revoked(stats.assignment());
      try {
        if (deadLetters != null) {
          deadLetters.close(CLOSE_TIMEOUT);
        }
        lease.release();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      // Before the terminal signal: whoever sees the stream end may subscribe again at once.
      released.run();
    }
    if (failure != null) {
      sink.error(failure);
    } else if (completed) {
      sink.complete();
    }
  }

  // close(Duration) is deprecated from kafka-clients 4.1 on (for close(CloseOptions)), but it is
  // the call both lines have: the source also runs beside Spark 4.0's Kafka source, which needs
  // kafka-clients 3.9.
  @SuppressWarnings("deprecation")
  private static void closeWithin(KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
    consumer.close(timeout);
  }

  // The consumer knows each fetched partition's lag behind its position from the last fetch
  // response; position plus lag is the log's end, against which the trained position is the lag
  // of the trainer (KafkaSource.consumerLag).
  private void recordLogEnds(KafkaConsumer<byte[], byte[]> c) {
    for (TopicPartition tp : c.assignment()) {
      OptionalLong lag = c.currentLag(tp);
      if (lag.isPresent()) {
        try {
          stats.logEnd(tp, c.position(tp, Duration.ZERO) + lag.getAsLong());
        } catch (org.apache.kafka.common.errors.TimeoutException unknownYet) {
          // No position without a lookup: the next turn has one.
        }
      }
    }
  }

  // ------------------------------------------------------------------ records in

  private void take(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
        stats.addInFlight(1);
        if (settings.decoder().rowWise()) {
          takeRow(tp, r);
        } else {
          takeBatch(tp, r);
        }
      }
    }
  }

  private void takeRow(TopicPartition tp, ConsumerRecord<byte[], byte[]> r) {
    try {
      settings.decoder().decodeRow(r, row);
    } catch (Exception e) {
      badRecord(tp, r, e);
      return;
    }
    RowGatherer g = gatherers.computeIfAbsent(
        tp, k -> new RowGatherer(settings.decoder().columns(), settings.batchRows(), settings.linger().toNanos()));
    g.add(row, r.offset(), System.nanoTime());
    if (g.isFull()) {
      flush(tp, g);
    }
  }

  private void takeBatch(TopicPartition tp, ConsumerRecord<byte[], byte[]> r) {
    VectorSchemaRoot root;
    try {
      root = settings.decoder().decodeBatch(r, lease.allocator());
    } catch (Exception e) {
      badRecord(tp, r, e);
      return;
    }
    ready.add(new Ready(tp, batch(tp, root, r.offset(), r.offset() + 1, 1), 1));
  }

  private void badRecord(TopicPartition tp, ConsumerRecord<byte[], byte[]> r, Exception cause) {
    BadRecordException bad = new BadRecordException(r.topic(), r.partition(), r.offset(), cause);
    RowGatherer g = gatherers.get(tp);
    if (g != null && g.rows() > 0) {
      flush(tp, g); // ranges of a partition are booked in offset order
    }
    if (settings.deadLetterTopic() == null) {
      stats.addInFlight(-1);
      emitReady();
      throw bad;
    }
    sendToDeadLetters(r, bad);
    ledger.done(ledger.register(tp, r.offset(), r.offset() + 1, null));
    stats.addInFlight(-1);
    stats.skippedOne();
    LOG.warn("skipped a bad record to {}: {}", settings.deadLetterTopic(), bad.getMessage());
  }

  private void sendToDeadLetters(ConsumerRecord<byte[], byte[]> r, BadRecordException bad) {
    if (deadLetters == null) {
      deadLetters = new KafkaProducer<>(settings.deadLetterConfig(), new ByteArraySerializer(), new ByteArraySerializer());
    }
    ProducerRecord<byte[], byte[]> copy =
        new ProducerRecord<>(settings.deadLetterTopic(), null, r.key(), r.value(), r.headers());
    copy.headers().add("solstice.error", utf8(String.valueOf(bad.getCause().getMessage())));
    copy.headers().add("solstice.topic", utf8(r.topic()));
    copy.headers().add("solstice.partition", utf8(Integer.toString(r.partition())));
    copy.headers().add("solstice.offset", utf8(Long.toString(r.offset())));
    try {
      // Wait for the broker: the record counts as handled only once its copy is safe.
      deadLetters.send(copy).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      IllegalStateException failed = new IllegalStateException(
          "could not copy a bad record to the dead-letter topic " + settings.deadLetterTopic()
              + "; check that the topic exists and the producer settings are right", e);
      failed.addSuppressed(bad);
      throw failed;
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ batches out

  private void flushDue(long now) {
    gatherers.forEach((tp, g) -> {
      if (g.rows() > 0 && g.nanosUntilDue(now) == 0) {
        flush(tp, g);
      }
    });
  }

  private void flush(TopicPartition tp, RowGatherer g) {
    long from = g.firstOffset();
    long to = g.lastOffset() + 1;
    int rows = g.rows();
    VectorSchemaRoot root = g.build(lease.allocator());
    ready.add(new Ready(tp, batch(tp, root, from, to, rows), rows));
  }

  private ArrowBatch batch(TopicPartition tp, VectorSchemaRoot root, long from, long to, long records) {
    BatchPosition position = new BatchPosition(tp.topic(), tp.partition(), from);
    OffsetLedger.Range range = ledger.register(tp, from, to, position);
    lease.acquire();
    boolean countsAsTrained = settings.acknowledgeOnClose();
    Runnable afterClose = () -> {
      ledger.closed(range, countsAsTrained);
      stats.addInFlight(-records);
      lease.release();
    };
    return new ArrowBatch(root, Map.of(), position, afterClose);
  }

  private void emitReady() {
    while (!ready.isEmpty() && !stopped && !sink.isCancelled() && sink.requestedFromDownstream() > 0) {
      Ready r = ready.poll();
      LOG.debug("emit {} ({} records)", r.batch().position(), r.records());
      sink.next(r.batch());
    }
  }

  private long pollTimeoutNanos(long now) {
    long wait = settings.pollTimeout().toNanos();
    for (RowGatherer g : gatherers.values()) {
      wait = Math.min(wait, g.nanosUntilDue(now));
    }
    return Math.max(TimeUnit.MILLISECONDS.toNanos(1), wait);
  }

  private Duration pollTimeout(long now) {
    return Duration.ofNanos(pollTimeoutNanos(now));
  }

  private boolean isIdleAndDone(long now, KafkaConsumer<byte[], byte[]> c) {
    if (idleNanos < 0 || now - idleSinceNanos < idleNanos || !ready.isEmpty()) {
      return false;
    }
    for (RowGatherer g : gatherers.values()) {
      if (g.rows() > 0) {
        return false;
      }
    }
    // Quiet is not the end while a partition's first fetch has not answered or records wait
    // behind the position: a slow broker is not an empty topic.
    for (TopicPartition tp : c.assignment()) {
      OptionalLong lag = c.currentLag(tp);
      if (lag.isEmpty() || lag.getAsLong() > 0) {
        return false;
      }
    }
    // Wait until every emitted batch has been trained or dropped, so the last commit has it.
    return !ledger.hasPending();
  }

  private void dropUnemitted() {
    gatherers.values().forEach(g -> {
      stats.addInFlight(-g.rows());
      g.clear();
    });
    while (!ready.isEmpty()) {
      ready.poll().batch().close();
    }
  }

  private void drop(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      RowGatherer g = gatherers.remove(tp);
      if (g != null) {
        stats.addInFlight(-g.rows());
        g.clear();
      }
    }
    Iterator<Ready> it = ready.iterator();
    while (it.hasNext()) {
      Ready r = it.next();
      if (partitions.contains(r.partition())) {
        it.remove();
        r.batch().close();
      }
    }
  }

  // ------------------------------------------------------------------ commits

  private void commitAsync() {
    Map<TopicPartition, OffsetAndMetadata> offsets = ledger.toCommit();
    if (!offsets.isEmpty()) {
      owned.commitAsync(offsets, (done, error) -> {
        if (error != null) {
          // A later commit (or the final synchronous one) covers these offsets again.
          ledger.commitFailed(offsets);
          LOG.warn("committing offsets {} failed: {}", offsets, error.toString());
        }
      });
    }
  }

  private void commitSyncOnExit(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, OffsetAndMetadata> offsets = ledger.toCommit();
    if (offsets.isEmpty()) {
      return;
    }
    try {
      c.commitSync(offsets, CLOSE_TIMEOUT);
    } catch (WakeupException e) {
      c.commitSync(offsets, CLOSE_TIMEOUT); // the wakeup of stop() was still pending
    }
  }

  /** Runs inside {@code poll}, on the poll thread. */
  private final class Rebalances implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        Long start = startOffsets.remove(tp);
        if (start != null) {
          owned.seek(tp, start);
          ledger.assignedAt(tp, start);
        } else {
          ledger.assigned(tp, owned.position(tp));
        }
      }
      stats.assigned(partitions);
      idleSinceNanos = System.nanoTime(); // quiet time counts from the last rebalance
      LOG.debug("assigned {}", partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (closing) {
        // The subscription ends: commit what is trained, but keep the books, so batches
        // still in the run move the position a final checkpoint stores.
        Map<TopicPartition, OffsetAndMetadata> trained = ledger.toCommit();
        if (!trained.isEmpty()) {
          owned.commitSync(trained, CLOSE_TIMEOUT);
        }
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> trained = ledger.revoked(partitions);
      drop(partitions);
      stats.revoked(partitions);
      if (!trained.isEmpty()) {
        owned.commitSync(trained, CLOSE_TIMEOUT);
      }
      LOG.debug("revoked {}, committed {}", partitions, trained);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      ledger.revoked(partitions);
      drop(partitions);
      stats.revoked(partitions);
      LOG.warn("lost partitions {} (their trained offsets could not be committed)", partitions);
    }
  }
}
