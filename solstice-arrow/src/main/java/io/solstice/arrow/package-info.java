/**
 * The Arrow data plane of Solstice: sources of owned Arrow record batches as demand-driven
 * Reactor {@code Flux}es (IPC, Flight, Parquet, CSV, JSON lines; {@link
 * io.solstice.arrow.TableFormat} tells files apart by content), row-level seeded splits of a
 * table ({@link io.solstice.arrow.TableSplit}), batch-to-tensor conversion without copying
 * where the layout allows (with optional {@link io.solstice.arrow.Standardization}), operators
 * to compose pipelines ({@link io.solstice.arrow.ArrowFlux}: fan-out over shared batches,
 * filter, projection, rebatching, shuffling, mixing, streaming prediction), an Arrow
 * Flight server with backpressure, and a sink for predictions.
 *
 * <p>Start at {@link io.solstice.arrow.ArrowSources}. A typical training input:
 *
 * <pre>{@code
 * FeatureSpec spec = FeatureSpec.builder().features("pixels").width(64).label("digit").numClasses(10).build();
 * Flux<ArrowBatch> batches = ArrowSources.ipcFile(path, allocator, ReadOptions.builder().batchSize(128).build());
 * // each batch: try (ArrowTensorBatch t = spec.toTensors(batch)) { step(t); }
 * }</pre>
 *
 * <p>Ownership: every {@link io.solstice.arrow.ArrowBatch} is owned by whoever receives it and
 * must be closed exactly once ({@link io.solstice.arrow.ArrowBatch#retain()} gives another
 * holder a handle of its own on the same buffers); an {@link io.solstice.arrow.ArrowTensorBatch}
 * owns the Arrow batch it was made from. Each subscription's memory lives in a child of the allocator given
 * to the source, so closing that allocator at the end reports any batch left open.
 *
 * <p>JVM flags on Java 17: {@code --add-opens=java.base/java.nio=ALL-UNNAMED} (Arrow's memory
 * access; Flight and the dataset scanner need nothing more here). Arrow Flight logs a gRPC
 * "Stream closed before write could take place" warning when a client cancels a stream; it is
 * expected.
 */
package io.solstice.arrow;
