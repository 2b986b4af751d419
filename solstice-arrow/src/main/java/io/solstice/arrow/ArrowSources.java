package io.solstice.arrow;

import io.solstice.arrow.internal.BatchCursor;
import io.solstice.arrow.internal.DatasetCursor;
import io.solstice.arrow.internal.FlightCursor;
import io.solstice.arrow.internal.IpcFileCursor;
import io.solstice.arrow.internal.IpcStreamCursor;
import io.solstice.arrow.internal.RootsCursor;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import reactor.core.publisher.Flux;

/**
 * The entry point of the Arrow data plane: sources of owned {@link ArrowBatch}es.
 *
 * <p>Every source is a cold, demand-driven {@code Flux} built with {@code Flux.generate}: each
 * subscription opens its own reader, reads one stored batch per request on the requesting
 * thread, and never reads ahead of demand (so a slow consumer paces the source and nothing
 * piles up). Each subscription opens a child of the given allocator that owns the reader and
 * the emitted batches; it closes when the subscription has ended and the last batch emitted
 * is closed. Read on {@code Schedulers.boundedElastic()} (with {@code subscribeOn}) to keep
 * blocking reads off other threads.
 *
 * <p>The subscriber owns every batch it receives and closes it exactly once. Downstream of any
 * operator that buffers (such as {@code publishOn}), add {@code doOnDiscard(ArrowBatch.class,
 * ArrowBatch::close)} and track batches with {@link LiveBatches} so that batches dropped on
 * cancellation are closed too.
 *
 * <p>Reading errors arrive as {@link ArrowDataException}s (for example
 * {@link CorruptIpcException}, {@link SchemaChangeException}); a read that fails through no
 * fault of the data (an input that cannot be opened, the allocator's limit, an I/O error of the
 * input under an IPC stream or file) arrives as an
 * {@link ArrowReadException}; Flight call failures arrive as Arrow's
 * {@code FlightRuntimeException} with their status. In every case the source has released its
 * buffers by then.
 *
 * <p>JVM flags: Arrow needs {@code --add-opens=java.base/java.nio=ALL-UNNAMED} on Java 17.
 *
 * <p>Thread safety: thread-safe; it keeps no state, and each subscription of a source it
 * returns opens its own reader and its own child of the given allocator (Arrow's allocators are
 * thread-safe).
 */
public final class ArrowSources {

  private ArrowSources() {}

  /**
   * Reads an Arrow IPC file (random access format). Can start at any batch: with
   * {@link ReadOptions.Builder#startAt} it skips stored batches without loading them.
   *
   * @param file the {@code .arrow} file
   * @param allocator the consumer's allocator
   * @param options batch size and start position
   * @return the batches, in file order
   */
  public static Flux<ArrowBatch> ipcFile(Path file, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(file, "file");
    return source(allocator, "ipc-file:" + file.getFileName(),
        lease -> new IpcFileCursor(file, lease, options.batchSize(), options.startAt()));
  }

  /**
   * Reads an Arrow IPC file with the default options.
   *
   * @param file the {@code .arrow} file
   * @param allocator the consumer's allocator
   * @return the batches, in file order
   */
  public static Flux<ArrowBatch> ipcFile(Path file, BufferAllocator allocator) {
    return ipcFile(file, allocator, ReadOptions.defaults());
  }

  /**
   * Reads an Arrow IPC stream stored in a file. Message lengths are checked against the file
   * size before anything is allocated.
   *
   * @param file the stream file
   * @param allocator the consumer's allocator
   * @param options batch size and start position (reached by reading forward)
   * @return the batches, in stream order
   */
  public static Flux<ArrowBatch> ipcStream(Path file, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(file, "file");
    return source(allocator, "ipc-stream:" + file.getFileName(),
        lease -> new IpcStreamCursor(file.getFileName().toString(), () -> Files.newInputStream(file),
            sizeOf(file), options.maxMessageBytes(), lease, options.batchSize(), options.startAt()));
  }

  /**
   * Reads an Arrow IPC stream from an input stream opened once per subscription (and closed by
   * the source). A message larger than {@link ReadOptions#maxMessageBytes()} is refused before
   * anything is allocated.
   *
   * @param name a name for positions and messages
   * @param opener opens the stream
   * @param allocator the consumer's allocator
   * @param options batch size, start position and message cap
   * @return the batches, in stream order
   */
  public static Flux<ArrowBatch> ipcStream(
      String name, Callable<InputStream> opener, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(opener, "opener");
    return source(allocator, "ipc-stream:" + name,
        lease -> new IpcStreamCursor(name, opener, -1, options.maxMessageBytes(), lease,
            options.batchSize(), options.startAt()));
  }

  /**
   * Reads one Arrow Flight stream ({@code DoGet}). Each request pulls one message from the
   * server, so the consumer's pace reaches the server through gRPC flow control; cancelling
   * the subscription cancels the call, at once even while a read waits for a message of a
   * quiet stream (the reading thread and the source's memory are then released).
   *
   * @param location the server, e.g. {@code Location.forGrpcInsecure("127.0.0.1", port)}
   * @param ticket the stream to read
   * @param allocator the consumer's allocator
   * @param options batch size and start position (reached by reading forward)
   * @param callOptions call options, e.g. {@link #bearerToken(String)}
   * @return the batches, in stream order
   */
  public static Flux<ArrowBatch> flight(Location location, Ticket ticket, BufferAllocator allocator,
      ReadOptions options, CallOption... callOptions) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(ticket, "ticket");
    return flight(location.getUri().toString(), a -> FlightClient.builder(a, location).build(), ticket, allocator,
        options, callOptions);
  }

  /**
   * Reads one Arrow Flight stream through clients made by {@code clients}, for connections that
   * need configuring (TLS trust, client certificates, middleware). A client is made per
   * subscription, with the source's allocator, and closed at its end.
   *
   * @param name a name for positions and messages
   * @param clients builds a connected client from an allocator
   * @param ticket the stream to read
   * @param allocator the consumer's allocator
   * @param options batch size and start position (reached by reading forward)
   * @param callOptions call options, e.g. {@link #bearerToken(String)}
   * @return the batches, in stream order
   */
  public static Flux<ArrowBatch> flight(String name, Function<BufferAllocator, FlightClient> clients, Ticket ticket,
      BufferAllocator allocator, ReadOptions options, CallOption... callOptions) {
    Objects.requireNonNull(clients, "clients");
    Objects.requireNonNull(ticket, "ticket");
    return source(allocator, "flight:" + name,
        lease -> new FlightCursor(name, clients, ticket, callOptions, lease, options.batchSize(), options.startAt()));
  }

  /**
   * A call option that sends {@code Authorization: Bearer token}, for servers that require it
   * (see {@link FlightBatchServer.Builder#requireToken(String)}).
   *
   * @param token the token
   * @return the call option
   */
  public static CallOption bearerToken(String token) {
    return new CredentialCallOption(new BearerCredentialWriter(Objects.requireNonNull(token, "token")));
  }

  /**
   * Reads Parquet through Arrow's dataset scanner: one file, or every {@code *.parquet} file of
   * a directory in name order. A position is (file index, batch index within the file); a start
   * position skips earlier files unread.
   *
   * @param fileOrDirectory a Parquet file or a directory of them
   * @param allocator the consumer's allocator
   * @param options batch size (the scanner's) and start position
   * @return the batches
   */
  public static Flux<ArrowBatch> parquet(Path fileOrDirectory, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(fileOrDirectory, "fileOrDirectory");
    return dataset(fileOrDirectory, DatasetCursor.Format.PARQUET, "parquet:", allocator, options);
  }

  /**
   * Reads CSV through Arrow's dataset scanner: one file, or every {@code *.csv} file of a
   * directory in name order ({@code *.csv.gz} files too, gzip-compressed). The first row names the
   * columns unless {@link ReadOptions.Builder#csvHeader} says otherwise or it holds only numbers
   * (it is then a row of data, and the columns are named {@code f0, f1, ...}); types are inferred
   * from the values
   * (integers as Int64, other numbers as Float64, the rest as Utf8) unless
   * {@link ReadOptions.Builder#csvColumnTypes} names them. A position is (file index, batch
   * index within the file), as for Parquet.
   *
   * @param fileOrDirectory a CSV file or a directory of them
   * @param allocator the consumer's allocator
   * @param options batch size, start position, header, skipped rows and column types
   * @return the batches
   */
  public static Flux<ArrowBatch> csv(Path fileOrDirectory, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(fileOrDirectory, "fileOrDirectory");
    return dataset(fileOrDirectory, DatasetCursor.Format.CSV, "csv:", allocator, options);
  }

  /**
   * Reads newline-delimited JSON (one object per line, keys as columns, types inferred) through
   * Arrow's dataset scanner: one file, or every {@code *.jsonl} file of a directory in name
   * order ({@code *.jsonl.gz} files too, gzip-compressed).
   *
   * @param fileOrDirectory a JSON-lines file or a directory of them
   * @param allocator the consumer's allocator
   * @param options batch size and start position
   * @return the batches
   */
  public static Flux<ArrowBatch> jsonLines(Path fileOrDirectory, BufferAllocator allocator, ReadOptions options) {
    Objects.requireNonNull(fileOrDirectory, "fileOrDirectory");
    return dataset(fileOrDirectory, DatasetCursor.Format.JSON_LINES, "jsonl:", allocator, options);
  }

  private static Flux<ArrowBatch> dataset(Path fileOrDirectory, DatasetCursor.Format format, String prefix,
      BufferAllocator allocator, ReadOptions options) {
    // The scanner wants absolute file URIs.
    Path absolute = fileOrDirectory.toAbsolutePath();
    return source(allocator, prefix + fileOrDirectory.getFileName(),
        lease -> new DatasetCursor(absolute, format, lease, options));
  }

  /**
   * Emits caller-owned roots as batches that share their buffers (no copy). The roots stay the
   * caller's: keep them open while the flux is read, and close them afterwards.
   *
   * @param name a name for positions and messages
   * @param roots the roots, with equal schemas
   * @param dictionaries the dictionaries of their encoded columns, or null
   * @param allocator the consumer's allocator
   * @param options batch size and start position
   * @return the batches
   */
  public static Flux<ArrowBatch> roots(String name, List<VectorSchemaRoot> roots, DictionaryProvider dictionaries,
      BufferAllocator allocator, ReadOptions options) {
    List<VectorSchemaRoot> copy = List.copyOf(roots);
    return source(allocator, "roots:" + name,
        lease -> new RootsCursor(name, copy, dictionaries, lease, options.batchSize(), options.startAt()));
  }

  /**
   * A source over the cursors {@code cursorFactory} makes, one per subscription. A cancel from
   * another thread while the generator waits in a read reaches the cursor through
   * {@link BatchCursor#abort()}: {@code Flux.generate} itself runs the cleanup only once the
   * generator returns.
   */
  static Flux<ArrowBatch> source(
      BufferAllocator allocator, String name, Function<SourceLease, BatchCursor> cursorFactory) {
    Objects.requireNonNull(allocator, "allocator");
    return Flux.defer(() -> {
      AtomicReference<BatchCursor> opened = new AtomicReference<>();
      return generate(allocator, name, lease -> {
        BatchCursor cursor = cursorFactory.apply(lease);
        opened.set(cursor);
        return cursor;
      }).doOnCancel(() -> {
        BatchCursor cursor = opened.get();
        if (cursor != null) {
          cursor.abort();
        }
      });
    });
  }

  // Never fused (hide): an operator that fuses with Flux.generate (concatMapIterable, as rebatch
  // does) pulls batches through it, and a cancel then runs the cleanup at once, closing the reader
  // even while another thread reads from it. A cancel from inside a read (take, a downstream
  // error) is worse: the operator then clears its fused queue by pulling the source again, so the
  // generator runs with no reader and the cleanup runs a second time (reactor-core 3.8.8).
  // Unfused, Flux.generate runs its cleanup once, after the read in progress.
  private static Flux<ArrowBatch> generate(
      BufferAllocator allocator, String name, Function<SourceLease, BatchCursor> cursorFactory) {
    return Flux.generate(
        () -> {
          SourceLease lease = new SourceLease(allocator, name);
          try {
            return cursorFactory.apply(lease);
          } catch (RuntimeException | Error e) {
            lease.release();
            throw e;
          }
        },
        (BatchCursor cursor, reactor.core.publisher.SynchronousSink<ArrowBatch> sink) -> {
          ArrowBatch batch;
          try {
            batch = cursor.next();
          } catch (RuntimeException e) {
            // Release the reader before the subscriber hears of the end, so that a consumer
            // closing its allocator on that signal finds only its own open batches.
            cursor.close();
            if (cursor.aborted()) {
              // The read failed because the subscription was cancelled: nobody listens for an
              // error any more, and Reactor would log it as dropped.
              sink.complete();
            } else {
              sink.error(e);
            }
            return cursor;
          }
          if (batch == null) {
            cursor.close();
            sink.complete();
          } else {
            sink.next(batch);
          }
          return cursor;
        },
        BatchCursor::close)
        .hide();
  }

  /** The stream file's size, which bounds what its messages may declare. */
  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      // Like a failed open: nothing is known about the bytes.
      throw ArrowReadException.cannotOpen(file.getFileName().toString(), e);
    }
  }
}
