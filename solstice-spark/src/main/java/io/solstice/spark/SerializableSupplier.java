package io.solstice.spark;

import java.io.Serializable;
import java.util.function.Supplier;

/**
 * A {@link Supplier} that Spark can ship to executors. Use it for what must be rebuilt on
 * every executor rather than serialized: the experiment (its ND4J arrays never travel as Java
 * objects) and the {@link io.solstice.arrow.FeatureSpec}.
 *
 * <p>Write it as a lambda or a static method reference; a lambda that captures a
 * non-serializable object fails when Spark serializes the task, naming the captured class.
 *
 * <p>Thread safety: Spark calls each deserialized copy from the one task thread that owns it; a
 * supplier used on the driver from several threads must be thread-safe itself.
 *
 * @param <T> what it supplies
 */
@FunctionalInterface
public interface SerializableSupplier<T> extends Supplier<T>, Serializable {}
