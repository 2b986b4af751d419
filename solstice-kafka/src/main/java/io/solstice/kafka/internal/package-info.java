/** Internals of the Kafka source: the poll loop, the offset ledger and the decoders. Not API. */
package io.solstice.kafka.internal;
