package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.examples.data.UsageException;
import io.solstice.kafka.BadRecordException;
import io.solstice.kafka.KafkaSource;
import io.solstice.kafka.RecordFormat;
import io.solstice.kafka.RowColumn;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import reactor.core.publisher.Flux;

/**
 * A Kafka topic read by a {@link KafkaSource}: each record a JSON object holding one row (the
 * feature and label columns as numeric fields) or an Arrow IPC stream holding one batch. Offsets
 * are committed for the records trained on, in the consumer group given (from the earliest offset
 * when the group has none). Before reading, the topic is looked up, so a broker that cannot be
 * reached or a topic that does not exist is reported at once rather than waited for.
 */
public final class KafkaTopic implements StreamSource {

  /** How the records hold rows. */
  public enum Format {
    /** One row per record, a JSON object with the feature and label columns as numeric fields. */
    JSON,
    /** One batch per record, an Arrow IPC stream (schema and one record batch). */
    ARROW
  }

  private final String bootstrap;
  private final String topic;
  private final Format format;
  private final StreamContract contract;
  private final String group;
  private final int batchRows;
  private final Duration stopWhenIdle;
  private final Duration connectTimeout;
  private KafkaSource source;

  /**
   * A topic.
   *
   * @param bootstrap the brokers, {@code host:port[,host:port...]}
   * @param topic the topic
   * @param format how records hold rows
   * @param contract the columns (a JSON record's fields)
   * @param group the consumer group
   * @param batchRows rows per batch for JSON records
   * @param stopWhenIdle complete the stream once no record came for this long; null to read on
   * @param connectTimeout how long the topic's lookup may take
   */
  public KafkaTopic(String bootstrap, String topic, Format format, StreamContract contract, String group, int batchRows,
      Duration stopWhenIdle, Duration connectTimeout) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.format = format;
    this.contract = contract;
    this.group = group;
    this.batchRows = batchRows;
    this.stopWhenIdle = stopWhenIdle;
    this.connectTimeout = connectTimeout;
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "Reading Kafka topic '%s' at %s (%s records, consumer group '%s')%s", topic,
        bootstrap, format.name().toLowerCase(Locale.ROOT), group,
        stopWhenIdle == null ? "" : ", until it has been idle for " + stopWhenIdle.toMillis() / 1000.0 + " s");
  }

  @Override
  public Flux<ArrowBatch> batches(BufferAllocator allocator) {
    lookUpTopic();
    Map<String, Object> consumer = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, group,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaSource.Builder builder = KafkaSource.builder(consumer, topic).format(recordFormat())
        .batchRows(batchRows).maxInFlightRecords(Math.max(10_000, 4 * batchRows)).allocator(allocator);
    if (stopWhenIdle != null) {
      builder.completeWhenIdle(stopWhenIdle);
    }
    source = builder.build();
    return source.batches().onErrorMap(BadRecordException.class, e -> new UsageException(String.format(Locale.ROOT,
        "the Kafka record at offset %d of partition %d of topic '%s' is not a %s of the stream: %s", e.offset(),
        e.partition(), e.topic(), format == Format.JSON ? "row" : "batch", e.getCause().getMessage())).initCause(e));
  }

  private RecordFormat recordFormat() {
    if (format == Format.ARROW) {
      return RecordFormat.arrowIpc();
    }
    List<RowColumn> columns = new ArrayList<>();
    contract.featureColumns().forEach(c -> columns.add(RowColumn.float32(c)));
    columns.add(RowColumn.int32(contract.label()));
    return RecordFormat.json(columns.toArray(RowColumn[]::new));
  }

  /** Describes the topic: fails fast, in one line, when the broker or the topic is not there. */
  private void lookUpTopic() {
    int millis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    Admin admin;
    try {
      admin = Admin.create(Map.of(
          AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
          AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis));
    } catch (KafkaException e) {
      throw (UsageException) new UsageException("--kafka " + bootstrap + ": " + e.getMessage()).initCause(e);
    }
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(millis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        throw new UsageException("Kafka at " + bootstrap + " has no topic '" + topic + "'");
      }
      throw unreachable(e.getCause());
    } catch (TimeoutException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unreachable(e);
    } finally {
      admin.close(Duration.ofSeconds(1));
    }
  }

  private UsageException unreachable(Throwable cause) {
    UsageException e = new UsageException(String.format(Locale.ROOT,
        "cannot reach Kafka at %s within %.1f s (--connect-timeout)", bootstrap, connectTimeout.toMillis() / 1000.0));
    e.initCause(cause);
    return e;
  }

  /** The acknowledger of the source {@link #batches} built: commits offsets as steps end. */
  @Override
  public List<TrainingSubscriber<Object, Object>> subscribers() {
    if (source == null) {
      throw new IllegalStateException("call batches first");
    }
    return List.of(source.acknowledger());
  }
}
