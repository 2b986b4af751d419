package io.solstice.kafka;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.SourceContract;
import io.solstice.kafka.testing.KafkaBroker;
import io.solstice.kafka.testing.Producing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Flux;

/**
 * {@link SourceContract} for {@link KafkaSource} on a real broker: a one-partition topic of
 * {@code BATCHES * ROWS} JSON rows, read in batches of {@code ROWS}; broken input: a record that
 * is not JSON, under the default {@link BadRecordPolicy#fail()}.
 *
 * <p>"Cold" for Kafka: a subscription reads from the group's committed offsets, so a source whose
 * batches were not trained on (no acknowledgement, nothing committed) reads the topic anew on
 * every subscription, which is what the suite checks. A source that acknowledges continues where
 * its group left off on purpose (at-least-once training, {@code KafkaTrainingTest}); each source
 * here has a group of its own.
 */
class KafkaSourceContractTest extends SourceContract {
  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static KafkaBroker broker;

  private String topic;
  private String brokenTopic;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Override
  protected void open() throws Exception {
    int n = TOPICS.incrementAndGet();
    topic = "contract-" + n;
    brokenTopic = "contract-broken-" + n;
    broker.createTopic(topic, 1);
    broker.createTopic(brokenTopic, 1);
    List<byte[]> rows = new ArrayList<>();
    List<byte[]> broken = new ArrayList<>();
    for (long id = 0; id < (long) BATCHES * ROWS; id++) {
      rows.add(Producing.jsonRow(id));
      broken.add(id == ROWS + 3 ? "not json".getBytes(StandardCharsets.UTF_8) : Producing.jsonRow(id));
    }
    Producing.send(broker, topic, 1, rows);
    Producing.send(broker, brokenTopic, 1, broken);
  }

  @Override
  protected boolean completesWhileBatchesAreHeld() {
    // With completeWhenIdle, the stream ends only after every emitted batch was trained or
    // closed, so that the last commit covers them.
    return false;
  }

  @Override
  protected Flux<ArrowBatch> source() {
    return source(topic);
  }

  @Override
  protected Flux<ArrowBatch> broken() {
    return source(brokenTopic);
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return BadRecordException.class;
  }

  private Flux<ArrowBatch> source(String name) {
    // A long linger: every batch is cut at ROWS rows, none early; the idle timeout ends the stream.
    return KafkaSource.builder(broker.consumerConfig("group-of-" + name), name)
        .format(RecordFormat.json(RowColumn.int64("id")))
        .batchRows(ROWS)
        .linger(Duration.ofSeconds(30))
        .completeWhenIdle(Duration.ofSeconds(1))
        .allocator(allocator)
        .build()
        .batches();
  }
}
