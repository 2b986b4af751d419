package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowBatch;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.BackpressureStrategy;
import org.apache.arrow.flight.BackpressureStrategy.CallbackBackpressureStrategy;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;

/**
 * Sends one source to one Flight {@code DoGet} call with backpressure: it requests one batch
 * at a time, and before sending it waits (off the gRPC thread) until the call is ready for
 * more, that is until the transport has drained below its threshold. The wait is Flight's own
 * {@link CallbackBackpressureStrategy}, woken by the call's readiness callback. A client cancel
 * stops the wait, cancels the source and ends the call with CANCELLED; {@link #shutdown()} does
 * the same from the server's side and ends the call with UNAVAILABLE. A batch whose dictionaries
 * differ from the first batch's (sent once, in {@code start}) fails the call.
 *
 * <p>Thread safety: thread-safe where it must be: Reactor's signals, Flight's readiness
 * callback and a client cancel may arrive on different threads, and its sends and readiness
 * waits are synchronised.
 */
public final class StreamPump extends BaseSubscriber<ArrowBatch> {
  private static final Logger LOG = LoggerFactory.getLogger(StreamPump.class);
  /** How long one wait lasts before the pump looks again whether it was disposed meanwhile. */
  private static final long WAIT_SLICE_MS = 1_000;

  private final ServerStreamListener listener;
  private final BufferAllocator allocator;
  private final CallbackBackpressureStrategy backpressure = new CallbackBackpressureStrategy() {
    @Override
    protected boolean shouldContinueWaiting(ServerStreamListener call, long remainingMillis) {
      return !clientCancelled && !isDisposed();
    }
  };
  /** Held while the outgoing root is in use, so a cancel on a gRPC thread cannot close it mid-send. */
  private final Object sendLock = new Object();
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean clientCancelled;
  /** Set by {@link #shutdown()}: the server, not the client, ends the call. */
  private volatile boolean serverClosing;
  private VectorSchemaRoot root;
  /** Set once the stream ended (under sendLock): later batches are only closed. */
  private boolean ended;
  private DictionaryProvider.MapDictionaryProvider dictionaries;
  private long sent;

  /**
   * Creates a pump for one call.
   *
   * @param listener the call's listener
   * @param allocator the server's allocator for the outgoing root
   */
  public StreamPump(ServerStreamListener listener, BufferAllocator allocator) {
    this.listener = listener;
    this.allocator = allocator;
    backpressure.register(listener);
    // Replaces the strategy's cancel handler: the strategy calls its own while holding its lock,
    // and disposing there would wait for a send that itself waits for that lock.
    listener.setOnCancelHandler(() -> {
      clientCancelled = true;
      backpressure.interruptWait();
      dispose();
    });
  }

  /**
   * Ends the call because the server is closing: cancels the source and ends the call with
   * UNAVAILABLE, so that the client hears of it and gRPC's shutdown need not wait for the call.
   */
  public void shutdown() {
    serverClosing = true;
    dispose();
  }

  /**
   * Batches sent so far.
   *
   * @return the count
   */
  public long sent() {
    return sent;
  }

  /**
   * Waits for the pump to end.
   *
   * @param millis how long to wait
   * @return true if it ended
   * @throws InterruptedException if interrupted
   */
  public boolean awaitFinish(long millis) throws InterruptedException {
    return finished.await(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void hookOnSubscribe(Subscription subscription) {
    request(1);
  }

  @Override
  protected void hookOnNext(ArrowBatch batch) {
    boolean more;
    synchronized (sendLock) {
      more = send(batch);
    }
    if (more) {
      request(1);
    }
  }

  private boolean send(ArrowBatch batch) {
    try (batch) {
      if (ended) {
        // Made by the source while the stream was being cancelled: the outgoing root is closed.
        return false;
      }
      if (!awaitReady()) {
        cancel();
        return false;
      }
      if (root == null) {
        begin(batch);
      }
      if (!root.getSchema().getFields().equals(batch.schema().getFields())) {
        throw new IllegalStateException("the served source changed its schema at " + batch.position()
            + ": Flight streams carry one schema");
      }
      // Flight sends dictionaries only in start: the client decodes every batch with the first's.
      RowGather.requireSameDictionaries(dictionaries, batch, "the served source",
          "a Flight stream sends its dictionaries once, with its first batch, so the client would decode this"
              + " batch with the first batch's dictionary");
      VectorUnloader unloader = new VectorUnloader(batch.root());
      try (ArrowRecordBatch records = unloader.getRecordBatch()) {
        new VectorLoader(root).load(records);
      }
      listener.putNext();
      sent++;
      return true;
    } catch (RuntimeException e) {
      cancel();
      hookOnError(e);
      return false;
    }
  }

  private void begin(ArrowBatch batch) {
    Schema schema = batch.schema();
    root = VectorSchemaRoot.create(schema, allocator);
    dictionaries = new DictionaryProvider.MapDictionaryProvider();
    for (long id : batch.getDictionaryIds()) {
      Dictionary d = batch.lookup(id);
      FieldVector source = d.getVector();
      TransferPair pair = source.getTransferPair(allocator);
      pair.splitAndTransfer(0, source.getValueCount());
      dictionaries.put(new Dictionary((FieldVector) pair.getTo(), d.getEncoding()));
    }
    listener.start(root, dictionaries);
  }

  private boolean awaitReady() {
    BackpressureStrategy.WaitResult result;
    do {
      result = backpressure.waitForListener(WAIT_SLICE_MS);
    } while (result == BackpressureStrategy.WaitResult.TIMEOUT && !clientCancelled && !isDisposed());
    return result == BackpressureStrategy.WaitResult.READY && !clientCancelled;
  }

  @Override
  protected void hookOnComplete() {
    synchronized (sendLock) {
      if (root == null) {
        // An empty source still owes the client a stream: one with no columns and no rows.
        root = VectorSchemaRoot.create(new Schema(java.util.List.of()), allocator);
        listener.start(root);
      }
      listener.completed();
    }
  }

  @Override
  protected void hookOnError(Throwable error) {
    LOG.warn("serving a stream failed after {} batches", sent, error);
    try {
      listener.error(CallStatus.INTERNAL.withDescription("the served source failed: " + error.getMessage())
          .withCause(error).toRuntimeException());
    } catch (RuntimeException ignored) {
      LOG.debug("could not report the failure to the client", ignored);
    }
  }

  @Override
  protected void hookOnCancel() {
    if (clientCancelled || listener.isCancelled()) {
      try {
        listener.error(CallStatus.CANCELLED.withDescription("the client cancelled the stream").toRuntimeException());
      } catch (RuntimeException ignored) {
        LOG.debug("the call was already closed", ignored);
      }
    } else if (serverClosing) {
      // A send may be waiting for the client to read on; the pump is disposed by now, so the
      // woken wait gives up and frees the lock: the call must not be written to by two threads.
      backpressure.interruptWait();
      synchronized (sendLock) {
        try {
          listener.error(CallStatus.UNAVAILABLE.withDescription("the server is closing").toRuntimeException());
        } catch (RuntimeException ignored) {
          LOG.debug("the call was already closed", ignored);
        }
      }
    }
  }

  @Override
  protected void hookFinally(reactor.core.publisher.SignalType type) {
    try {
      synchronized (sendLock) {
        ended = true;
        if (root != null) {
          root.close();
        }
        if (dictionaries != null) {
          dictionaries.close();
        }
      }
    } finally {
      finished.countDown();
    }
  }
}
