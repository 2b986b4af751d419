package io.solstice.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.solstice.core.checkpoint.Resumed;
import io.solstice.kafka.testing.KafkaBroker;
import io.solstice.kafka.testing.Producing;
import io.solstice.kafka.testing.RecordingRegression;
import io.solstice.kafka.testing.TrainingLog;
import io.solstice.micrometer.RunMeters;
import io.solstice.reactive.RunControl;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.callbacks.CheckpointCallback;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training on a real topic of a KRaft broker in this JVM: every record once, resume from a
 * checkpoint after a crash, bounded memory against a fast producer, two trainers in one group,
 * bad records under each policy, Arrow IPC records.
 *
 * <p>A run's termination is quiescent, Kafka source included (its poll thread has committed,
 * closed the consumer and released its allocator): each test closes its allocator right after
 * its runs, checks committed offsets right after a run ended, and after a cancel waits only for
 * the run's {@link RunControl#terminated()} signal.
 */
class KafkaTrainingTest {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaTrainingTest.class);
  private static KafkaBroker broker;
  private BufferAllocator allocator;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @BeforeEach
  void openAllocator() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void closeAllocator() {
    allocator.close(); // fails on a leak
  }

  @Test
  void everyRecordIsTrainedExactlyOnceAndItsOffsetCommitted() throws Exception {
    broker.createTopic("once", 3);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "once", 3, 900);
    TrainingLog log = new TrainingLog();
    KafkaSource source = KafkaSource.builder(broker.consumerConfig("g-once"), "once")
        .format(RecordFormat.json(RowColumn.int64("id"), RowColumn.float64("x"), RowColumn.float64("y")))
        .batchRows(50)
        .linger(Duration.ofMillis(100))
        .completeWhenIdle(Duration.ofSeconds(1))
        .allocator(allocator)
        .build();

    List<TrainingEvent.StepEnded<RecordingRegression, Double>> results =
        train(source, new RecordingRegression(log, 0));

    assertThat(log.counts()).hasSize(900);
    assertThat(log.counts().values()).containsOnly(1);
    assertThat(results).hasSizeGreaterThanOrEqualTo(18);
    double[] wb = results.get(results.size() - 1).experiment().parameters();
    assertThat(wb[1]).as("the intercept moves towards 1").isGreaterThan(0.3);
    Map<TopicPartition, Long> ends = endOffsets(placed);
    assertThat(committed("g-once", ends.keySet())).isEqualTo(ends);
    assertThat(KafkaSource.offsetsFrom(source.currentPosition())).isEqualTo(ends);
  }

  @Test
  void withAcknowledgeOnCloseAClosedBatchCountsAsTrainedWithoutTheAcknowledger() throws Exception {
    broker.createTopic("on-close", 2);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "on-close", 2, 300);
    TrainingLog log = new TrainingLog();
    KafkaSource source = jsonSource("on-close", "g-on-close", 30)
        .acknowledgeOnClose(true)
        .completeWhenIdle(Duration.ofSeconds(1))
        .build();

    Solstice.run(new RecordingRegression(log, 0)).train(source.batches())
        .steps()
        .blockLast(Duration.ofSeconds(60));

    assertThat(log.counts().keySet()).isEqualTo(placed.keySet());
    assertThat(log.counts().values()).containsOnly(1);
    assertThat(committed("g-on-close", endOffsets(placed).keySet())).isEqualTo(endOffsets(placed));
  }

  @Test
  void aResumedRunTrainsExactlyTheRecordsNotTrainedAtTheCheckpoint(@TempDir Path dir) throws Exception {
    broker.createTopic("resume", 2);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "resume", 2, 600);

    // Run 1: checkpoints every 5 steps, then crashes before step 13 (after steps 0..12).
    TrainingLog before = new TrainingLog();
    KafkaSource first = jsonSource("resume", "g-resume-1", 20).build();
    CheckpointCallback checkpoints1 = checkpoints(dir, first);
    TrainingSubscriber<Object, Object> crash = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step && step.globalStep() == 13) {
        throw new IllegalStateException("simulated crash");
      }
    };
    assertThatThrownBy(() -> Solstice.run(new RecordingRegression(before, 0)).train(first.batches())
            .subscribers(first.acknowledger(), checkpoints1, crash)
            .steps()
            .blockLast(Duration.ofSeconds(60)))
        .isInstanceOf(TrainingException.class)
        .hasRootCauseMessage("simulated crash");

    // Run 2: a new trainer (another group, so no committed offset helps) resumes from the checkpoint.
    TrainingLog after = new TrainingLog();
    CheckpointCallback restore = checkpoints(dir, null);
    Resumed<RecordingRegression> resumed = restore.resume(new RecordingRegression(after, 0));
    assertThat(resumed.position().trainSteps()).isEqualTo(10);
    Map<TopicPartition, Long> checkpointed = KafkaSource.offsetsFrom(resumed.sourcePosition());
    KafkaSource second = jsonSource("resume", "g-resume-2", 20)
        .resumeFrom(resumed.sourcePosition())
        .completeWhenIdle(Duration.ofSeconds(1))
        .build();
    Solstice.run(resumed.experiment()).train(second.batches())
        .resumeFrom(KafkaSource.engineResumePosition(resumed.position()))
        .subscribers(second.acknowledger())
        .steps()
        .blockLast(Duration.ofSeconds(60));

    assertThat(checkpointed.values().stream().mapToLong(Long::longValue).sum())
        .as("10 steps of 20 rows were checkpointed").isEqualTo(200);
    Set<Long> beforeCheckpoint = new TreeSet<>();
    Set<Long> afterCheckpoint = new TreeSet<>();
    placed.forEach((id, p) -> (p.offset() < checkpointed.get(p.partition()) ? beforeCheckpoint : afterCheckpoint).add(id));
    assertThat(after.counts().keySet()).as("the resumed run trains exactly what the checkpoint had not")
        .isEqualTo(afterCheckpoint);
    assertThat(after.counts().values()).containsOnly(1);
    assertThat(before.counts().keySet()).containsAll(beforeCheckpoint);
    for (long id : beforeCheckpoint) {
      assertThat(before.counts().get(id) + after.counts().getOrDefault(id, 0))
          .as("record %d, trained before the checkpoint, is trained once", id).isEqualTo(1);
    }
    assertThat(before.counts().keySet()).as("steps 10-12 ran after the checkpoint and are trained again")
        .containsAnyElementsOf(afterCheckpoint);
    Set<Long> all = new TreeSet<>(before.counts().keySet());
    all.addAll(after.counts().keySet());
    assertThat(all).isEqualTo(placed.keySet());
  }

  @Test
  void aRunResumedInItsOwnGroupCommitsTheCheckpointsPositionBeforeTrainingAnything(@TempDir Path dir)
      throws Exception {
    broker.createTopic("resume-commit", 2);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "resume-commit", 2, 600);
    String group = "g-resume-commit";

    // Run 1 checkpoints every 5 steps and crashes before step 13: its group has committed what
    // steps 0..12 trained, past the checkpoint of step 10.
    KafkaSource first = jsonSource("resume-commit", group, 20).build();
    TrainingSubscriber<Object, Object> crash = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step && step.globalStep() == 13) {
        throw new IllegalStateException("simulated crash");
      }
    };
    assertThatThrownBy(() -> Solstice.run(new RecordingRegression(new TrainingLog(), 0)).train(first.batches())
            .subscribers(first.acknowledger(), checkpoints(dir, first), crash)
            .steps()
            .blockLast(Duration.ofSeconds(60)))
        .isInstanceOf(TrainingException.class);
    TrainingLog after = new TrainingLog();
    Resumed<RecordingRegression> resumed = checkpoints(dir, null).resume(new RecordingRegression(after, 0));
    Map<TopicPartition, Long> checkpointed = KafkaSource.offsetsFrom(resumed.sourcePosition());
    Map<TopicPartition, Long> committedByRun1 = committed(group, checkpointed.keySet());
    assertThat(committedByRun1.values().stream().mapToLong(Long::longValue).sum())
        .as("run 1 committed past its checkpoint")
        .isGreaterThan(checkpointed.values().stream().mapToLong(Long::longValue).sum());

    // Run 2 resumes in the same group. Until its position is committed, a rebalance would hand a
    // partition to a member starting from run 1's later offsets, past records the resumed model
    // has not seen: so before its first step ends, the group must already point at the checkpoint.
    AtomicReference<Map<TopicPartition, Long>> committedBeforeFirstStep = new AtomicReference<>();
    TrainingSubscriber<Object, Object> probe = event -> {
      if (event instanceof TrainingEvent.StepStarted<Object, Object> step && committedBeforeFirstStep.get() == null) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> committed(group, checkpointed.keySet()).equals(checkpointed));
        committedBeforeFirstStep.set(committed(group, checkpointed.keySet()));
      }
    };
    KafkaSource second = jsonSource("resume-commit", group, 20)
        .resumeFrom(resumed.sourcePosition())
        .completeWhenIdle(Duration.ofSeconds(1))
        .build();
    Solstice.run(resumed.experiment()).train(second.batches())
        .resumeFrom(KafkaSource.engineResumePosition(resumed.position()))
        .subscribers(second.acknowledger(), probe)
        .steps()
        .blockLast(Duration.ofSeconds(90));

    assertThat(committedBeforeFirstStep.get()).isEqualTo(checkpointed);
    Set<Long> afterCheckpoint = new TreeSet<>();
    placed.forEach((id, p) -> {
      if (p.offset() >= checkpointed.get(p.partition())) {
        afterCheckpoint.add(id);
      }
    });
    assertThat(after.counts().keySet()).isEqualTo(afterCheckpoint);
    assertThat(committed(group, checkpointed.keySet())).isEqualTo(endOffsets(placed));
  }

  @Test
  void aSlowTrainerOnAFastTopicHoldsNoMoreThanTheBound() throws Exception {
    broker.createTopic("fast", 2);
    Producing.sendJsonRows(broker, "fast", 2, 20_000);
    TrainingLog log = new TrainingLog();
    int bound = 1000;
    KafkaSource source = jsonSource("fast", "g-fast", 100)
        .linger(Duration.ofSeconds(30)) // only full batches of 100 rows: 25 steps train 2,500 rows
        .maxInFlightRecords(bound)
        .maxPollRecords(200)
        .fetchMaxBytes(64 * 1024)
        .build();
    AtomicLong worstSeenByTheStep = new AtomicLong();
    AtomicReference<RunControl> run = new AtomicReference<>();
    TrainingSubscriber<Object, Object> probe = event -> {
      if (event instanceof TrainingEvent.RunStarted<Object, Object> started) {
        run.set(started.run());
      } else if (event instanceof TrainingEvent.StepStarted<Object, Object>) {
        worstSeenByTheStep.accumulateAndGet(source.inFlightRecords(), Math::max);
      }
    };

    List<TrainingEvent.StepEnded<RecordingRegression, Double>> results =
        Solstice.run(new RecordingRegression(log, 20)).train(source.batches())
            .subscribers(source.acknowledger(), probe)
            .steps()
            .take(25) // cancels the run: the topic never ends
            .collectList()
            .block(Duration.ofSeconds(60));
    // The cancel does not wait for the run; this does, up to the source's final commit.
    run.get().terminated().block(Duration.ofSeconds(60));

    LOG.info("backpressure: peak in-flight records {} (bound {}), worst at a step start {}, trained {} of 20000",
        source.peakInFlightRecords(), bound, worstSeenByTheStep.get(), log.rows());
    assertThat(results).hasSize(25);
    assertThat(log.rows()).isEqualTo(2500);
    assertThat(source.peakInFlightRecords())
        .as("records fetched but not trained never pass the bound, though 20,000 wait in the topic")
        .isLessThanOrEqualTo(bound)
        .isGreaterThanOrEqualTo(500);
    assertThat(worstSeenByTheStep.get()).isBetween(100L, (long) bound);
    Map<TopicPartition, Long> committed =
        committed("g-fast", Set.of(new TopicPartition("fast", 0), new TopicPartition("fast", 1)));
    assertThat(committed.values().stream().mapToLong(Long::longValue).sum())
        .as("exactly the trained records are committed; fetched, untrained ones are not")
        .isEqualTo(log.rows());
  }

  @Test
  void twoTrainersInOneGroupSplitThePartitionsAndCoverEveryRecord() throws Exception {
    broker.createTopic("shared", 4);
    TrainingLog log1 = new TrainingLog();
    TrainingLog log2 = new TrainingLog();
    // The records are sent once both hold partitions, so each source's quiet time runs while a
    // producer starts: ample, for a loaded machine.
    KafkaSource one = jsonSource("shared", "g-shared", 25).completeWhenIdle(Duration.ofSeconds(10)).build();
    KafkaSource two = jsonSource("shared", "g-shared", 25).completeWhenIdle(Duration.ofSeconds(10)).build();
    var run1 = trainInBackground(one, new RecordingRegression(log1, 0));
    var run2 = trainInBackground(two, new RecordingRegression(log2, 0));
    // Partitions move only when the group coordinator rebalances: nothing in the run signals it.
    await().atMost(Duration.ofSeconds(30))
        .until(() -> one.assignment().size() == 2 && two.assignment().size() == 2);
    Set<TopicPartition> partitions1 = one.assignment();
    Set<TopicPartition> partitions2 = two.assignment();
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "shared", 4, 800);
    run1.get(60, TimeUnit.SECONDS);
    run2.get(60, TimeUnit.SECONDS);

    assertThat(partitions1).hasSize(2).doesNotContainAnyElementsOf(partitions2);
    assertThat(partitions2).hasSize(2);
    placed.forEach((id, p) -> {
      TrainingLog owner = partitions1.contains(p.partition()) ? log1 : log2;
      TrainingLog other = owner == log1 ? log2 : log1;
      assertThat(owner.counts().get(id)).as("record %d trained once by its partition's owner", id).isEqualTo(1);
      assertThat(other.counts()).doesNotContainKey(id);
    });
  }

  @Test
  void aTrainerJoiningMidRunTakesPartitionsWithoutLosingRecords() throws Exception {
    broker.createTopic("rebalance", 2);
    Map<Long, Producing.Placed> placed = Producing.sendJsonRows(broker, "rebalance", 2, 1000);
    TrainingLog logA = new TrainingLog();
    TrainingLog logB = new TrainingLog();
    int bound = 200;
    KafkaSource a = jsonSource("rebalance", "g-rebalance", 20)
        .maxInFlightRecords(bound).maxPollRecords(40).completeWhenIdle(Duration.ofSeconds(3)).build();
    KafkaSource b = jsonSource("rebalance", "g-rebalance", 20)
        .maxInFlightRecords(bound).maxPollRecords(40).completeWhenIdle(Duration.ofSeconds(3)).build();
    CountDownLatch aTrainedHundredRows = new CountDownLatch(1);
    TrainingSubscriber<Object, Object> progress = event -> {
      if (event instanceof TrainingEvent.StepEnded<Object, Object> && logA.rows() >= 100) {
        aTrainedHundredRows.countDown();
      }
    };
    var runA = trainInBackground(a, new RecordingRegression(logA, 30), progress);
    assertThat(aTrainedHundredRows.await(30, TimeUnit.SECONDS)).as("A trained 100 rows").isTrue();
    var runB = trainInBackground(b, new RecordingRegression(logB, 0));
    runA.get(60, TimeUnit.SECONDS);
    runB.get(60, TimeUnit.SECONDS);

    assertThat(a.everAssigned()).hasSize(2);
    assertThat(b.everAssigned()).as("the newcomer took a partition").isNotEmpty();
    Map<Long, Integer> total = new java.util.TreeMap<>(logA.counts());
    logB.counts().forEach((id, n) -> total.merge(id, n, Integer::sum));
    assertThat(total.keySet()).as("every record trained at least once").isEqualTo(placed.keySet());
    long twice = total.values().stream().filter(n -> n > 1).count();
    assertThat(twice).as("only records in flight at the revocation are trained twice").isLessThanOrEqualTo(bound);
    assertThat(committed("g-rebalance", endOffsets(placed).keySet())).isEqualTo(endOffsets(placed));
  }

  @Test
  void aBadRecordFailsTheRunNamingTopicPartitionAndOffsetByDefault() throws Exception {
    broker.createTopic("bad-fail", 1);
    List<byte[]> values = new ArrayList<>();
    for (long id = 0; id < 61; id++) {
      values.add(id == 30 ? "not json".getBytes(StandardCharsets.UTF_8) : Producing.jsonRow(id));
    }
    Producing.send(broker, "bad-fail", 1, values);
    TrainingLog log = new TrainingLog();
    KafkaSource source = jsonSource("bad-fail", "g-bad-fail", 10).build();

    Throwable thrown = catchThrowable(() -> train(source, new RecordingRegression(log, 0)));

    BadRecordException bad = causeOfType(thrown, BadRecordException.class);
    assertThat(bad.topic()).isEqualTo("bad-fail");
    assertThat(bad.partition()).isZero();
    assertThat(bad.offset()).isEqualTo(30);
    assertThat(bad).hasMessageContaining("topic bad-fail, partition 0, offset 30");
    assertThat(log.counts().keySet()).allMatch(id -> id < 30);
    assertThat(committed("g-bad-fail", Set.of(new TopicPartition("bad-fail", 0))).values())
        .allMatch(offset -> offset <= 30);
  }

  @Test
  void badRecordsAreSkippedToADeadLetterTopicAndCounted() throws Exception {
    broker.createTopic("bad-skip", 1);
    broker.createTopic("bad-skip-dlq", 1);
    List<byte[]> values = new ArrayList<>();
    Map<Long, byte[]> badValues = new java.util.TreeMap<>();
    for (long id = 0; id < 50; id++) {
      byte[] value = Producing.jsonRow(id);
      if (id == 20) {
        value = "{\"id\": 20, \"x\": \"oops\", \"y\": 1}".getBytes(StandardCharsets.UTF_8);
      } else if (id == 40) {
        value = "{\"id\": 40.5, \"x\": 0.5, \"y\": 2}".getBytes(StandardCharsets.UTF_8);
      }
      if (id == 20 || id == 40) {
        badValues.put(id, value);
      }
      values.add(value);
    }
    Producing.send(broker, "bad-skip", 1, values);
    TrainingLog log = new TrainingLog();
    KafkaSource source = jsonSource("bad-skip", "g-bad-skip", 10)
        .badRecords(BadRecordPolicy.skipTo("bad-skip-dlq"))
        .completeWhenIdle(Duration.ofSeconds(1))
        .build();

    train(source, new RecordingRegression(log, 0));

    Set<Long> good = new TreeSet<>(ids(0, 50));
    good.removeAll(badValues.keySet());
    assertThat(log.counts().keySet()).isEqualTo(good);
    assertThat(log.counts().values()).containsOnly(1);
    assertThat(source.skippedRecords()).isEqualTo(2);
    assertThat(committed("g-bad-skip", Set.of(new TopicPartition("bad-skip", 0))))
        .containsEntry(new TopicPartition("bad-skip", 0), 50L);
    List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readAll(broker, "bad-skip-dlq", 2);
    assertThat(dead).hasSize(2);
    for (ConsumerRecord<byte[], byte[]> r : dead) {
      long offset = Long.parseLong(header(r, "solstice.offset"));
      assertThat(r.value()).isEqualTo(badValues.get(offset));
      assertThat(header(r, "solstice.topic")).isEqualTo("bad-skip");
      assertThat(header(r, "solstice.partition")).isEqualTo("0");
      assertThat(header(r, "solstice.error")).isNotBlank();
    }
  }

  @Test
  void recordsHoldingArrowIpcStreamsAreTrainedOneBatchPerRecord() throws Exception {
    broker.createTopic("ipc", 2);
    List<byte[]> values = new ArrayList<>();
    for (int r = 0; r < 6; r++) {
      values.add(KafkaTestSupport.ipcStream(allocator, r * 25L, 25));
    }
    Producing.send(broker, "ipc", 2, values);
    TrainingLog log = new TrainingLog();
    KafkaSource source = KafkaSource.builder(broker.consumerConfig("g-ipc"), "ipc")
        .format(RecordFormat.arrowIpc())
        .completeWhenIdle(Duration.ofSeconds(1))
        .allocator(allocator)
        .build();

    List<TrainingEvent.StepEnded<RecordingRegression, Double>> results =
        train(source, new RecordingRegression(log, 0));

    assertThat(results).hasSize(6);
    assertThat(log.counts().keySet()).isEqualTo(new TreeSet<>(ids(0, 150)));
    assertThat(log.counts().values()).containsOnly(1);
  }

  @Test
  void aCorruptArrowIpcRecordGoesToTheDeadLetterTopicAndTheOthersTrain() throws Exception {
    broker.createTopic("ipc-bad", 1);
    broker.createTopic("ipc-bad-dlq", 1);
    List<byte[]> values = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      byte[] value = KafkaTestSupport.ipcStream(allocator, r * 25L, 25);
      // Record 2 declares a 1 GiB body: refused before anything is allocated for it.
      values.add(r == 2 ? KafkaTestSupport.withBodyLength(value, 1L << 30) : value);
    }
    Producing.send(broker, "ipc-bad", 1, values);
    TrainingLog log = new TrainingLog();
    KafkaSource source = KafkaSource.builder(broker.consumerConfig("g-ipc-bad"), "ipc-bad")
        .format(RecordFormat.arrowIpc())
        .badRecords(BadRecordPolicy.skipTo("ipc-bad-dlq"))
        .completeWhenIdle(Duration.ofSeconds(1))
        .allocator(allocator)
        .build();

    train(source, new RecordingRegression(log, 0));

    Set<Long> good = new TreeSet<>(ids(0, 100));
    good.removeAll(ids(50, 75));
    assertThat(log.counts().keySet()).isEqualTo(good);
    assertThat(source.skippedRecords()).isEqualTo(1);
    List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.readAll(broker, "ipc-bad-dlq", 1);
    assertThat(dead).hasSize(1);
    assertThat(header(dead.get(0), "solstice.offset")).isEqualTo("2");
    assertThat(header(dead.get(0), "solstice.error")).contains("declares 1073741824 bytes");
    assertThat(dead.get(0).value()).isEqualTo(values.get(2));
  }

  @Test
  void theConsumerLagGaugeFallsToZeroWhenTheTrainerCatchesUp() throws Exception {
    broker.createTopic("lag", 2);
    Producing.sendJsonRows(broker, "lag", 2, 2000);
    TrainingLog log = new TrainingLog();
    KafkaSource source = jsonSource("lag", "g-lag", 100).build();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RunMeters meters = RunMeters.builder(registry, "lag").sourceLag(source::consumerLag).build();
    AtomicLong lagAtFirstStep = new AtomicLong(-1);
    AtomicReference<RunControl> run = new AtomicReference<>();
    TrainingSubscriber<Object, Object> probe = event -> {
      if (event instanceof TrainingEvent.RunStarted<Object, Object> started) {
        run.set(started.run());
      } else if (event instanceof TrainingEvent.StepEnded<Object, Object> step
          && step.globalStep() == 0) {
        // 100 of 2,000 records trained: once the consumer has fetched from both partitions the
        // lag is the other 1,900, whatever it has fetched ahead.
        await().atMost(Duration.ofSeconds(30)).until(() -> lag(registry) == 1900);
        lagAtFirstStep.set(lag(registry));
      }
    };

    reactor.core.Disposable training = meters.bind(Solstice.run(new RecordingRegression(log, 0))
            .train(source.batches()))
        .subscribers(source.acknowledger(), probe)
        .events()
        .subscribe();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> log.rows() == 2000);
      await().atMost(Duration.ofSeconds(30)).until(() -> lag(registry) == 0);
      assertThat(registry.get("solstice.source.lag").tags("run", "lag", "partition", "lag-0")
          .gauge().value()).isZero();
      assertThat(registry.get("solstice.source.lag").tags("run", "lag", "partition", "lag-1")
          .gauge().value()).isZero();
    } finally {
      training.dispose();
      await().atMost(Duration.ofSeconds(60)).until(() -> run.get() != null);
      run.get().terminated().block(Duration.ofSeconds(60));
    }

    assertThat(lagAtFirstStep.get()).isEqualTo(1900);
    // A closed source holds no partition: no lag to report.
    assertThat(source.consumerLag()).isEmpty();
  }

  // The summed lag gauges, once both partitions have one.
  private static long lag(SimpleMeterRegistry registry) {
    var gauges = registry.find("solstice.source.lag").gauges();
    if (gauges.size() < 2) {
      return -1;
    }
    return (long) gauges.stream().mapToDouble(io.micrometer.core.instrument.Gauge::value).sum();
  }

  private KafkaSource.Builder jsonSource(String topic, String group, int rows) {
    return KafkaSource.builder(broker.consumerConfig(group), topic)
        .format(RecordFormat.json(RowColumn.int64("id"), RowColumn.float64("x"), RowColumn.float64("y")))
        .batchRows(rows)
        .linger(Duration.ofMillis(100))
        .allocator(allocator);
  }

  private static CheckpointCallback checkpoints(Path dir, KafkaSource source) {
    var builder = CheckpointCallback.builder(dir).everySteps(5).keepLast(2);
    if (source != null) {
      builder.sourcePosition(source::currentPosition);
    }
    return builder.build();
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static <T extends Throwable> T causeOfType(Throwable thrown, Class<T> type) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the causes of " + thrown, thrown);
  }

  static List<TrainingEvent.StepEnded<RecordingRegression, Double>> train(
      KafkaSource source, RecordingRegression exp) {
    return Solstice.run(exp).train(source.batches())
        .subscribers(source.acknowledger())
        .steps()
        .collectList()
        .block(Duration.ofSeconds(60));
  }

  /** A run with the source's acknowledger (then the other subscribers), on its own threads. */
  @SafeVarargs
  static CompletableFuture<RecordingRegression> trainInBackground(
      KafkaSource source, RecordingRegression exp, TrainingSubscriber<Object, Object>... also) {
    return Solstice.run(exp).train(source.batches())
        .subscribers(source.acknowledger())
        .subscribers(also)
        .experiment()
        .toFuture();
  }

  static Map<TopicPartition, Long> endOffsets(Map<Long, Producing.Placed> placed) {
    return placed.values().stream().collect(Collectors.toMap(
        Producing.Placed::partition, p -> p.offset() + 1, Math::max));
  }

  static Map<TopicPartition, Long> committed(String group, java.util.Set<TopicPartition> partitions)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      return offsets.entrySet().stream()
          .filter(e -> partitions.contains(e.getKey()) && e.getValue() != null)
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
  }

  static List<Long> ids(long from, long to) {
    return LongStream.range(from, to).boxed().toList();
  }
}
