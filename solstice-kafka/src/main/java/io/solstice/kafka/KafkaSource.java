package io.solstice.kafka;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowTensorBatch;
import io.solstice.arrow.BatchPosition;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.kafka.internal.OffsetLedger;
import io.solstice.kafka.internal.PollLoop;
import io.solstice.kafka.internal.SourceSettings;
import io.solstice.kafka.internal.SourceStats;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A Kafka consumer as a demand-driven {@link Flux} of owned Arrow batches, with offsets
 * committed only for records that were trained on (at least once).
 *
 * <pre>{@code
 * KafkaSource source = KafkaSource.builder(consumerConfig, "clicks")
 *     .format(RecordFormat.json(RowColumn.float32("x"), RowColumn.int64("label")))
 *     .batchRows(256).linger(Duration.ofMillis(200))
 *     .allocator(allocator)
 *     .build();
 * CheckpointCallback checkpoints = CheckpointCallback.builder(dir).everySteps(100)
 *     .sourcePosition(source::currentPosition).build();
 * Solstice.run(exp).train(source.batches().map(spec::toTensors))
 *     .subscribers(source.acknowledger(), checkpoints)
 *     .steps()
 *     .subscribe();
 * }</pre>
 *
 * <h2>Threads and memory</h2>
 *
 * <p>Each subscription opens its own consumer on its own thread ({@code solstice-kafka-poll-N})
 * and closes it when the subscription ends; one subscription at a time per source. The stream
 * terminates (completes or fails) only after that thread has committed, closed the consumer
 * and released its allocator, and a cancellation returns only once it has (bounded by the
 * consumer's close timeout), so a run of the engine that ends has released everything of its
 * Kafka source and its allocator can be closed right away. The thread
 * emits a batch only when the subscriber has requested one. When it has not, or when the
 * records fetched and not yet finished (gathered, waiting, or in batches not yet closed) would
 * exceed {@link Builder#maxInFlightRecords}, every assigned partition is paused until demand
 * returns; {@link #peakInFlightRecords()} reports the highest count seen. The consumer's own
 * fetch buffer is bounded separately by {@code fetch.max.bytes} and {@code
 * max.partition.fetch.bytes} ({@link Builder#fetchMaxBytes}).
 *
 * <h2>Offsets</h2>
 *
 * <p>Each batch holds records of one partition, in offset order; its {@link
 * ArrowBatch#position()} is {@code (topic, partition, first offset)}. A batch's records count as
 * trained when the {@link #acknowledger()} subscriber sees its step end (or, with {@link
 * Builder#acknowledgeOnClose}, when the batch is closed). A partition's offsets are committed up
 * to the first record not yet trained, from the poll thread, asynchronously as training goes
 * and synchronously when partitions are revoked and when the subscription ends. A batch
 * closed without being trained (the engine drops queued batches when a run stops) holds the
 * partition's commits back at its first record, so a restart reads it again.
 *
 * <p>{@link #currentPosition()} gives the next offset to train on per partition, for a
 * checkpoint; {@link Builder#resumeFrom} seeks there when the partitions are assigned again, so
 * a resumed run trains exactly the records not yet trained at the checkpoint.
 *
 * <h2>Consumer groups</h2>
 *
 * <p>Trainers with the same {@code group.id} split the partitions. On revocation the source
 * commits what was trained, drops the rows and batches not yet emitted, and ignores batches
 * already emitted from the revoked partitions (they never move offsets): the new owner reads
 * from the committed offset, so untrained records are not lost (they may be trained twice).
 *
 * <p>Thread safety: thread-safe for what a run does with it (the poll thread reads and commits,
 * the training thread acknowledges, and the counters and currentPosition may be read from any
 * thread), but it drives one subscription at a time and refuses a second.
 */
public final class KafkaSource {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  // The poll thread's last commit and the closing of the consumer and of the dead-letter
  // producer each have a 10 s timeout (PollLoop); it ends well within this.
  private static final Duration POLL_THREAD_END = Duration.ofSeconds(60);

  private final SourceSettings settings;
  private final OffsetLedger ledger = new OffsetLedger();
  private final SourceStats stats = new SourceStats();
  private final Map<TopicPartition, Long> startOffsets;
  private final AtomicBoolean subscribed = new AtomicBoolean();

  private KafkaSource(SourceSettings settings, Map<TopicPartition, Long> startOffsets) {
    this.settings = settings;
    this.startOffsets = new ConcurrentHashMap<>(startOffsets);
  }

  /**
   * A builder for a source that subscribes to {@code topics} with the given consumer settings
   * ({@code bootstrap.servers} and {@code group.id} at least).
   *
   * @param consumerConfig Kafka consumer settings; the source sets the deserializers, turns
   *     auto-commit off and chooses {@code max.poll.records}
   * @param topics the topics to read
   * @return the builder
   */
  public static Builder builder(Map<String, Object> consumerConfig, String... topics) {
    return new Builder(consumerConfig, List.of(topics));
  }

  /**
   * The batches, read when subscribed. Each subscription is a new consumer that joins the
   * group; the stream completes only with {@link Builder#completeWhenIdle}, fails with a
   * {@link BadRecordException} under {@link BadRecordPolicy#fail()}, and otherwise runs until
   * cancelled. Every batch must be closed exactly once (the engine does it after the step).
   *
   * @return the batches
   */
  public Flux<ArrowBatch> batches() {
    // Batches are emitted only against demand, so the buffer stays empty; a batch that races a
    // cancellation is discarded by the sink, and closed here.
    return Flux.create(this::startPolling, FluxSink.OverflowStrategy.BUFFER)
        .doOnDiscard(ArrowBatch.class, ArrowBatch::close);
  }

  private void startPolling(FluxSink<ArrowBatch> sink) {
    if (!subscribed.compareAndSet(false, true)) {
      sink.error(new IllegalStateException(
          "this KafkaSource is already subscribed: a source drives one consumer at a time; build"
              + " one KafkaSource per trainer (with the same group.id to split the partitions)"));
      return;
    }
    int n = THREADS.incrementAndGet();
    // The loop frees this source for the next subscription once it has released everything and
    // before it signals the end.
    PollLoop loop = new PollLoop(settings, ledger, stats, sink, startOffsets, "kafka-source-" + n,
        () -> subscribed.set(false));
    Thread thread = new Thread(loop, "solstice-kafka-poll-" + n);
    thread.setDaemon(true);
    // A cancellation returns once the poll thread has committed, closed the consumer and
    // released the allocator, so whoever cancelled holds nothing of this subscription after.
    // The poll thread itself disposes the sink when it completes or fails, after its cleanup.
    sink.onDispose(() -> {
      loop.stop();
      if (Thread.currentThread() != thread) {
        awaitEnd(thread);
      }
    });
    thread.start();
  }

  private static void awaitEnd(Thread pollThread) {
    try {
      pollThread.join(POLL_THREAD_END.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (pollThread.isAlive()) {
      LOG.warn("{} had not ended {} after the subscription was cancelled", pollThread.getName(),
          POLL_THREAD_END);
    }
  }

  /**
   * A synchronous subscriber that marks each train batch trained when its step ends. Register it
   * <b>before</b> a {@code CheckpointCallback}, so a checkpoint written at that step already
   * counts the step's records. It understands {@link ArrowBatch} and {@link ArrowTensorBatch}
   * batches (and ignores others and non-train steps); it accepts the events of any run, so no
   * type arguments are needed.
   *
   * @return the subscriber
   */
  public TrainingSubscriber<Object, Object> acknowledger() {
    return event -> {
      if (event instanceof TrainingEvent.StepEnded<Object, Object> step
          && step.mode() == Mode.TRAIN) {
        acknowledge(step.batch().get());
      }
    };
  }

  /**
   * Marks a batch's records trained, for loops that do not use {@link #acknowledger()} (for
   * example over the operator {@code Solstice.trainStep}, before the batch is closed).
   *
   * @param batch an {@link ArrowBatch} this source emitted, the {@link ArrowTensorBatch} made
   *     from one, or such a batch's {@link BatchPosition} object (the very object, not an equal
   *     copy: after a rebalance two batches may start at the same offset)
   * @return true if the batch was pending here (false for a batch of a revoked partition, one
   *     already marked or closed, or something else)
   */
  public boolean acknowledge(Object batch) {
    Object position;
    if (batch instanceof ArrowBatch a) {
      position = a.position();
    } else if (batch instanceof ArrowTensorBatch t) {
      position = t.position();
    } else if (batch instanceof BatchPosition p) {
      position = p;
    } else {
      return false;
    }
    return ledger.trained(position);
  }

  /**
   * The next offset to train on for each partition this source holds (and any checkpoint
   * offset not yet applied), keyed {@code "topic-partition"}, for {@code
   * CheckpointCallback.Builder#sourcePosition}. Thread-safe.
   *
   * @return an ordered map of partition name to next offset
   */
  public Map<String, Object> currentPosition() {
    Map<String, Object> position = new LinkedHashMap<>();
    startOffsets.forEach((tp, offset) -> position.put(tp.toString(), offset));
    ledger.trainedPositions().forEach((tp, offset) -> position.put(tp.toString(), offset));
    return position;
  }

  /**
   * Reads a position written by {@link #currentPosition()} (as stored in a checkpoint
   * manifest, where numbers may come back as any {@link Number} or as strings).
   *
   * @param position the map of {@code "topic-partition"} to offset
   * @return the offsets by partition
   * @throws IllegalArgumentException when a key or value is malformed
   */
  public static Map<TopicPartition, Long> offsetsFrom(Map<String, ?> position) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    position.forEach((key, value) -> {
      int dash = key.lastIndexOf('-');
      try {
        TopicPartition tp = new TopicPartition(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1)));
        long offset = value instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(value));
        offsets.put(tp, offset);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "not a Kafka source position entry: \"" + key + "\" = " + value
                + " (expected \"topic-partition\" = next offset, as KafkaSource.currentPosition() writes)", e);
      }
    });
    return offsets;
  }

  /**
   * The engine position to resume a Kafka run from: the checkpoint's step counters, with no
   * batches to skip. The source already seeks past the trained records ({@link
   * Builder#resumeFrom}), so the engine must not also skip {@code batchesIntoEpoch} batches.
   *
   * @param checkpointed the position restored from a checkpoint
   * @return the same epoch and step counters, with {@code batchesIntoEpoch} 0
   */
  public static RunPosition engineResumePosition(RunPosition checkpointed) {
    return new RunPosition(checkpointed.epoch(), 0, checkpointed.trainSteps(), checkpointed.valSteps());
  }

  /**
   * How far training is behind each partition this source holds: the end of the partition's log,
   * as the consumer's last fetch reported it, minus the next offset to train, keyed {@code
   * "topic-partition"}. It falls to 0 when the trainer has caught up with the topic. Partitions
   * not yet fetched are absent. Thread-safe and cheap, for a gauge ({@code
   * RunMeters.Builder#sourceLag(KafkaSource::consumerLag)} in solstice-micrometer).
   *
   * @return records behind, by partition, sorted by name
   */
  public Map<String, Long> consumerLag() {
    Map<TopicPartition, Long> trained = ledger.trainedPositions();
    Map<String, Long> lag = new java.util.TreeMap<>();
    stats.logEnds().forEach((tp, end) -> {
      Long next = trained.get(tp);
      if (next != null) {
        lag.put(tp.toString(), Math.max(0, end - next));
      }
    });
    return lag;
  }

  /**
   * Records fetched and not yet finished right now (gathered, waiting for demand, or in batches
   * not yet closed).
   *
   * @return the count
   */
  public long inFlightRecords() {
    return stats.inFlight();
  }

  /**
   * The highest {@link #inFlightRecords()} seen; never above {@link Builder#maxInFlightRecords}.
   *
   * @return the peak
   */
  public long peakInFlightRecords() {
    return stats.peakInFlight();
  }

  /**
   * Bad records skipped to the dead-letter topic so far.
   *
   * @return the count
   */
  public long skippedRecords() {
    return stats.skipped();
  }

  /**
   * The partitions assigned to this source's consumer now.
   *
   * @return the partitions, sorted by name
   */
  public Set<TopicPartition> assignment() {
    return stats.assignment();
  }

  /**
   * Every partition ever assigned to this source's consumers.
   *
   * @return the partitions, sorted by name
   */
  public Set<TopicPartition> everAssigned() {
    return stats.everAssigned();
  }

  /** Builds a {@link KafkaSource}; defaults are as each setter says. */
  public static final class Builder {
    private final Map<String, Object> consumerConfig;
    private final List<String> topics;
    private RecordFormat format = RecordFormat.arrowIpc();
    private int batchRows = 256;
    private Duration linger = Duration.ofMillis(200);
    private int maxInFlightRecords = 10_000;
    private int maxPollRecords = 500;
    private Integer fetchMaxBytes;
    private BadRecordPolicy badRecords = BadRecordPolicy.fail();
    private Map<String, Object> deadLetterConfig = Map.of();
    private boolean acknowledgeOnClose;
    private Duration completeWhenIdle;
    private Duration pollTimeout = Duration.ofMillis(100);
    private Map<TopicPartition, Long> resumeFrom = Map.of();
    private BufferAllocator allocator;

    private Builder(Map<String, Object> consumerConfig, List<String> topics) {
      this.consumerConfig = new HashMap<>(Objects.requireNonNull(consumerConfig, "consumerConfig"));
      if (topics.isEmpty()) {
        throw new IllegalArgumentException("name at least one topic");
      }
      this.topics = topics;
    }

    /**
     * How record values become batches (default {@link RecordFormat#arrowIpc()}).
     *
     * @param format the format
     * @return this builder
     */
    public Builder format(RecordFormat format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * Rows per gathered batch for row formats (default 256).
     *
     * @param rows at least 1
     * @return this builder
     */
    public Builder batchRows(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("batchRows must be >= 1, got " + rows);
      }
      this.batchRows = rows;
      return this;
    }

    /**
     * How long a gathered batch waits to fill before it is emitted smaller (default 200 ms).
     *
     * @param linger a positive duration
     * @return this builder
     */
    public Builder linger(Duration linger) {
      if (linger.isNegative() || linger.isZero()) {
        throw new IllegalArgumentException("linger must be positive, got " + linger);
      }
      this.linger = linger;
      return this;
    }

    /**
     * The bound on records fetched and not yet finished (default 10,000). Must hold at least
     * one poll ({@link #maxPollRecords}) and, for row formats, one batch ({@link #batchRows}).
     *
     * @param records the bound
     * @return this builder
     */
    public Builder maxInFlightRecords(int records) {
      this.maxInFlightRecords = records;
      return this;
    }

    /**
     * Records one poll may return ({@code max.poll.records}, default 500, lowered to the
     * in-flight bound).
     *
     * @param records at least 1
     * @return this builder
     */
    public Builder maxPollRecords(int records) {
      if (records < 1) {
        throw new IllegalArgumentException("maxPollRecords must be >= 1, got " + records);
      }
      this.maxPollRecords = records;
      return this;
    }

    /**
     * Bounds the consumer's fetch buffer: sets {@code fetch.max.bytes} and {@code
     * max.partition.fetch.bytes} (default: Kafka's, 50 MiB and 1 MiB).
     *
     * @param bytes the bound
     * @return this builder
     */
    public Builder fetchMaxBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("fetchMaxBytes must be >= 1, got " + bytes);
      }
      this.fetchMaxBytes = bytes;
      return this;
    }

    /**
     * What to do with records that cannot be decoded (default {@link BadRecordPolicy#fail()}).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder badRecords(BadRecordPolicy policy) {
      this.badRecords = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Extra settings of the dead-letter producer; by default it copies the consumer's {@code
     * bootstrap.servers}, {@code client.dns.lookup}, {@code security.protocol}, {@code ssl.*}
     * and {@code sasl.*} settings.
     *
     * @param config producer settings
     * @return this builder
     */
    public Builder deadLetterProducerConfig(Map<String, Object> config) {
      this.deadLetterConfig = Map.copyOf(config);
      return this;
    }

    /**
     * Whether closing a batch counts as having trained it (default false: only the {@link
     * #acknowledger()} subscriber or {@link #acknowledge(Object)} does). Turn it on for loops
     * that close each batch right after its step and never drop one; with the engine a
     * cancelled run closes queued batches it never trained, which would then count as trained.
     *
     * @param enabled true to count a close as trained
     * @return this builder
     */
    public Builder acknowledgeOnClose(boolean enabled) {
      this.acknowledgeOnClose = enabled;
      return this;
    }

    /**
     * Completes the stream once no record arrived for {@code idle} while the source held
     * partitions and asked for records (counted from the last record or rebalance, whichever is
     * later), every partition it holds has been read to the end its last fetch reported (so a
     * broker slow to answer the first fetch does not pass for an empty topic), and every
     * emitted batch has been trained or closed (default: never complete). For training on what
     * a topic holds now; an online trainer leaves it unset.
     *
     * @param idle the quiet time
     * @return this builder
     */
    public Builder completeWhenIdle(Duration idle) {
      this.completeWhenIdle = Objects.requireNonNull(idle, "idle");
      return this;
    }

    /**
     * Continues from a checkpoint: each partition in {@code position} (as written by {@link
     * #currentPosition()}) is read from its stored offset the first time it is assigned,
     * instead of from the group's committed offset. Partitions not in it start at the
     * committed offset (or {@code auto.offset.reset}). The stored offset is committed for the
     * group as soon as the partition is assigned, before anything is trained, so that a
     * rebalance before the first step hands the partition to a member that starts there, not at
     * a later offset the group committed before the checkpoint's run crashed.
     *
     * @param position the source position from the checkpoint manifest
     * @return this builder
     */
    public Builder resumeFrom(Map<String, ?> position) {
      this.resumeFrom = offsetsFrom(position);
      return this;
    }

    /**
     * The allocator under which each subscription makes a child allocator for its batches
     * (required). The child is closed when the subscription has ended and its last batch is
     * closed.
     *
     * @param allocator the parent allocator
     * @return this builder
     */
    public Builder allocator(BufferAllocator allocator) {
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /**
     * Builds the source.
     *
     * @return the source
     * @throws IllegalArgumentException when settings contradict each other
     */
    public KafkaSource build() {
      if (allocator == null) {
        throw new IllegalArgumentException("set an allocator: KafkaSource.builder(...).allocator(allocator)");
      }
      for (String required : List.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ConsumerConfig.GROUP_ID_CONFIG)) {
        if (consumerConfig.get(required) == null) {
          throw new IllegalArgumentException("the consumer settings need " + required);
        }
      }
      Object autoCommit = consumerConfig.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
      if (autoCommit != null && Boolean.parseBoolean(String.valueOf(autoCommit))) {
        throw new IllegalArgumentException(
            "enable.auto.commit=true would commit records before they are trained on; remove it"
                + " (the source commits trained offsets itself)");
      }
      boolean rowWise = format.decoder().rowWise();
      int pollRecords = Math.min(maxPollRecords, maxInFlightRecords);
      if (maxInFlightRecords < 1 || (rowWise && maxInFlightRecords < batchRows)) {
        throw new IllegalArgumentException(
            "maxInFlightRecords (" + maxInFlightRecords + ") must be at least 1"
                + (rowWise ? " and at least batchRows (" + batchRows + ")" : ""));
      }
      Map<String, Object> consumer = new HashMap<>(consumerConfig);
      consumer.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
      consumer.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
      consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, pollRecords);
      if (fetchMaxBytes != null) {
        consumer.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, fetchMaxBytes);
        consumer.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, fetchMaxBytes);
      }
      Map<String, Object> deadLetter = null;
      String deadLetterTopic = badRecords.deadLetterTopic().orElse(null);
      if (deadLetterTopic != null) {
        deadLetter = new HashMap<>();
        for (Map.Entry<String, Object> e : consumerConfig.entrySet()) {
          String k = e.getKey();
          if (k.equals("bootstrap.servers") || k.equals("client.dns.lookup") || k.equals("security.protocol")
              || k.startsWith("ssl.") || k.startsWith("sasl.")) {
            deadLetter.put(k, e.getValue());
          }
        }
        deadLetter.put("acks", "all");
        deadLetter.putAll(deadLetterConfig);
      }
      SourceSettings settings = new SourceSettings(
          Map.copyOf(consumer), deadLetter, List.copyOf(topics), format.decoder(), batchRows, linger,
          maxInFlightRecords, pollRecords, deadLetterTopic, acknowledgeOnClose, completeWhenIdle,
          pollTimeout, allocator);
      return new KafkaSource(settings, resumeFrom);
    }
  }
}
