package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Schedulers;

/** The Flight source and {@link FlightBatchServer}: round trip, backpressure, cancel, auth. */
class FlightTest {
  static final Ticket TICKET = new Ticket("train".getBytes(StandardCharsets.UTF_8));

  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  /** An endless source of 256 KiB batches that counts what it produced and sees how it ended. */
  static final class EndlessSource {
    static final int WIDTH = 256;
    static final int ROWS = 256;
    final AtomicLong produced = new AtomicLong();
    final CompletableFuture<SignalType> ended = new CompletableFuture<>();

    Flux<ArrowBatch> flux(BufferAllocator allocator) {
      return Flux.<ArrowBatch, Long>generate(() -> 0L, (i, sink) -> {
        sink.next(batch(allocator, i));
        produced.incrementAndGet();
        return i + 1;
      }).doFinally(ended::complete);
    }

    static ArrowBatch batch(BufferAllocator allocator, long index) {
      Field data = new Field("$data$", FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), null);
      Schema schema = new Schema(List.of(new Field("x", FieldType.notNullable(new ArrowType.FixedSizeList(WIDTH)), List.of(data))));
      VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
      FixedSizeListVector list = (FixedSizeListVector) root.getVector("x");
      list.allocateNew();
      Float4Vector values = (Float4Vector) list.getDataVector();
      values.allocateNew(WIDTH * ROWS);
      for (int r = 0; r < ROWS; r++) {
        list.setNotNull(r);
        for (int c = 0; c < WIDTH; c++) {
          values.set(r * WIDTH + c, index);
        }
      }
      values.setValueCount(WIDTH * ROWS);
      root.setRowCount(ROWS);
      return new ArrowBatch(root, Map.of(), new BatchPosition("endless", 0, index), null);
    }
  }

  @Test
  void aSlowClientKeepsTheServerBoundedAheadAndCancellingEndsTheServersStream() throws Exception {
    EndlessSource endless = new EndlessSource();
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> endless.flux(allocator)).start()) {
      AtomicLong consumed = new AtomicLong();
      List<Long> ahead = new ArrayList<>();
      ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
          .take(40)
          .doOnNext(batch -> {
            try (batch) {
              assertThat(((FixedSizeListVector) batch.root().getVector("x")).getDataVector().getObject(0))
                  .isEqualTo((float) consumed.get());
              sleep(25);
              ahead.add(endless.produced.get() - consumed.incrementAndGet());
            }
          })
          .blockLast();
      assertThat(consumed.get()).isEqualTo(40);
      // 40 batches took over a second; an unpaced generator makes thousands of batches in that time.
      assertThat(ahead).allMatch(n -> n <= 32);
      assertThat(endless.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SignalType.CANCEL);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (server.activeStreams() > 0 && System.nanoTime() < deadline) {
        sleep(5);
      }
      assertThat(server.activeStreams()).isZero();
      System.out.println("Flight batches ahead of a slow client (256 KiB batches): max " + ahead.stream().mapToLong(Long::longValue).max().orElse(0));
    }
  }

  /** A client that takes a few batches, then pauses (requests nothing) until told to read on. */
  static final class PausingClient extends BaseSubscriber<ArrowBatch> {
    final CountDownLatch received;
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    private final long firstRequest;

    PausingClient(int first) {
      this(first, first);
    }

    /** A client that counts the first {@code first} batches but asks for {@code firstRequest}. */
    PausingClient(int first, long firstRequest) {
      this.received = new CountDownLatch(first);
      this.firstRequest = firstRequest;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
      request(firstRequest);
    }

    @Override
    protected void hookOnNext(ArrowBatch batch) {
      batch.close();
      received.countDown();
    }

    @Override
    protected void hookOnComplete() {
      ended.complete(null);
    }

    @Override
    protected void hookOnError(Throwable error) {
      ended.complete(error);
    }
  }

  /**
   * Closing the server while a stream is open must end that call itself: otherwise gRPC's
   * shutdown waits for the call (8 s and more in all) and the client is left with a silent stream.
   */
  @Test
  void closingTheServerEndsAReadingClientsStreamPromptlyWithUnavailable() throws Exception {
    EndlessSource endless = new EndlessSource();
    FlightBatchServer server = FlightBatchServer.builder(allocator, t -> endless.flux(allocator)).start();
    PausingClient client = readFewBatches(server);
    client.request(Long.MAX_VALUE);

    long closeMillis = millisToClose(server);

    Throwable end = client.ended.get(5, TimeUnit.SECONDS);
    assertThat(closeMillis).as("close() took %d ms", closeMillis).isLessThan(3_000);
    assertThat(end).isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
      assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAVAILABLE);
      assertThat(e.getMessage()).contains("the server is closing");
    });
    assertThat(endless.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SignalType.CANCEL);
  }

  /**
   * A client that stopped reading may not receive the call's end (once the transport's window is
   * full, the end waits behind the data the client has not read): then its call is cut off after
   * Flight's grace of 3 s. Either way the client hears of the end when it reads on.
   */
  @Test
  void closingTheServerWaitsAtMostFlightsGraceForAClientThatStoppedReading() throws Exception {
    EndlessSource endless = new EndlessSource();
    FlightBatchServer server = FlightBatchServer.builder(allocator, t -> endless.flux(allocator)).start();
    PausingClient client = readFewBatches(server);

    long closeMillis = millisToClose(server);

    client.request(Long.MAX_VALUE);
    Throwable end = client.ended.get(5, TimeUnit.SECONDS);
    assertThat(closeMillis).as("close() took %d ms", closeMillis).isLessThan(5_000);
    assertThat(end).isInstanceOf(FlightRuntimeException.class);
    assertThat(endless.ended.get(5, TimeUnit.SECONDS)).isEqualTo(SignalType.CANCEL);
  }

  /**
   * A client waiting for a message of a quiet stream is blocked in the read; a cancel from
   * another thread must still end the call and release the client's memory then, not when (if
   * ever) the next message arrives.
   */
  @Test
  void cancellingAClientWaitingOnAQuietStreamEndsTheCallAndReleasesTheClient() throws Exception {
    try (FlightBatchServer server = FlightBatchServer.builder(allocator,
            t -> Flux.defer(() -> Flux.just(EndlessSource.batch(allocator, 0))).concatWith(Flux.never()))
        .start()) {
      BufferAllocator clientAllocator = allocator.newChildAllocator("client", 0, Long.MAX_VALUE);
      PausingClient client = new PausingClient(1, Long.MAX_VALUE);
      // The reads run on the subscribing thread. A scheduler's worker would be interrupted when
      // disposed, which wakes the read by another way than the cancel under test.
      Thread reader = new Thread(() -> ArrowSources.flight(server.location(), TICKET, clientAllocator,
          ReadOptions.defaults()).subscribe(client), "quiet-stream-reader");
      reader.start();
      assertThat(client.received.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(server.activeStreams()).isEqualTo(1);

      client.dispose();

      reader.join(5_000);
      assertThat(reader.isAlive()).as("the reading thread is free again").isFalse();
      assertThat(within(5, () -> server.activeStreams() == 0)).as("the server's stream ended").isTrue();
      assertThat(within(5, () -> clientAllocator.getChildAllocators().isEmpty()))
          .as("the client's source released its allocators").isTrue();
      clientAllocator.close(); // fails on a leaked byte
      assertThat(client.ended).isNotDone();
    }
  }

  /** Whether {@code condition} holds within {@code seconds}, looking every few milliseconds. */
  static boolean within(int seconds, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(5);
    }
    return true;
  }

  private PausingClient readFewBatches(FlightBatchServer server) throws InterruptedException {
    PausingClient client = new PausingClient(3);
    ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
        .subscribeOn(Schedulers.boundedElastic())
        .subscribe(client);
    assertThat(client.received.await(10, TimeUnit.SECONDS)).isTrue();
    return client;
  }

  private static long millisToClose(FlightBatchServer server) {
    long start = System.nanoTime();
    server.close();
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void aClientWithoutTheRightTokenIsRefusedAndGetsNoData() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 2, 5);
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> {
          opened.incrementAndGet();
          return ArrowSources.ipcFile(file, allocator);
        }).requireToken("s3cret").start()) {
      List<ArrowBatch> received = new ArrayList<>();
      assertThatThrownBy(() -> ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
              .doOnNext(received::add).blockLast())
          .isInstanceOfSatisfying(FlightRuntimeException.class,
              e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
      assertThatThrownBy(() -> ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults(),
              ArrowSources.bearerToken("guess")).doOnNext(received::add).blockLast())
          .isInstanceOfSatisfying(FlightRuntimeException.class,
              e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
      assertThat(received).isEmpty();
      assertThat(opened).as("the source is never opened for a refused call").hasValue(0);

      long rows = ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults(),
              ArrowSources.bearerToken("s3cret"))
          .map(b -> {
            try (b) {
              return (long) b.rowCount();
            }
          }).reduce(0L, Long::sum).block();
      assertThat(rows).isEqualTo(10);
      assertThat(opened).hasValue(1);
    }
  }

  @Test
  void aSourceFailingMidStreamReachesTheClientAsAnErrorAfterTheBatchesBeforeIt() throws Exception {
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 3, 10);
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> ArrowSources.ipcFile(file, allocator)
        .concatWith(Flux.error(new IllegalStateException("disk went away")))).start()) {
      List<Integer> rows = new ArrayList<>();
      assertThatThrownBy(() -> ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
              .doOnNext(b -> {
                try (b) {
                  rows.add(b.rowCount());
                }
              }).blockLast())
          .isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
            assertThat(e.status().code()).isEqualTo(FlightStatusCode.INTERNAL);
            assertThat(e.getMessage()).contains("disk went away");
          });
      assertThat(rows).containsExactly(10, 10, 10);
    }
  }

  /**
   * Flight sends dictionaries once, when the stream starts; a later batch with other words under
   * the same dictionary id would reach the client decoded against the first batch's words.
   */
  @Test
  void aSourceWhoseDictionariesChangeFailsTheStreamInsteadOfSendingWrongLabels() {
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> labelsThenReordered(allocator))
        .start()) {
      List<List<String>> received = new ArrayList<>();
      assertThatThrownBy(() -> ArrowSources.flight(server.location(), TICKET, allocator, ReadOptions.defaults())
              .doOnNext(b -> {
                try (b) {
                  received.add(TestData.labels(b));
                }
              }).blockLast())
          .isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
            assertThat(e.status().code()).isEqualTo(FlightStatusCode.INTERNAL);
            assertThat(e.getMessage()).contains("dictionary " + TestData.LABEL_DICTIONARY);
          });
      assertThat(received).containsExactly(List.of("a", "b"), List.of("a", "b"));
    }
  }

  /** Two batches with the dictionary [a, b], then one whose dictionary of the same id is [b, a]. */
  static Flux<ArrowBatch> labelsThenReordered(BufferAllocator allocator) {
    return Flux.range(0, 3).map(i -> i < 2
        ? TestData.labelBatch(allocator, i, "a", "b")
        : TestData.labelBatch(allocator, i, "b", "a"));
  }

  @Test
  void servingBeyondLoopbackWithoutATokenIsRefused() {
    assertThatThrownBy(() -> FlightBatchServer.builder(allocator, t -> Flux.empty()).host("0.0.0.0").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("requireToken");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
