/**
 * Train on a live Kafka topic: {@link io.solstice.kafka.KafkaSource} turns a consumer into a
 * demand-driven {@code Flux} of owned Arrow batches, with offsets committed only after the
 * records were trained on, checkpointable positions, consumer-group scale-out and a
 * bad-record policy. Built on plain {@code kafka-clients}; one poll thread per consumer.
 *
 * <p>Start at {@link io.solstice.kafka.KafkaSource#builder}; choose how record values become
 * batches with {@link io.solstice.kafka.RecordFormat}.
 */
package io.solstice.kafka;
