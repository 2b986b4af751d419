package io.solstice.reactive.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The registry's own hold on its source: closing it cancels the source subscription on the
 * reader, whether or not a cancel came up through the operators (one can be lost there), and
 * closes the batches no step has claimed.
 */
class BatchScopeTest {
  private final Scheduler reader = Schedulers.newSingle("scope-test-reader");

  @AfterEach
  void disposeReader() {
    reader.dispose();
  }

  @Test
  void closingCancelsTheSourceSubscriptionOnTheReaderOnce() throws InterruptedException {
    BatchScope scope = new BatchScope(reader);
    RecordingSubscription source = new RecordingSubscription();
    scope.sourceSubscribed(source);

    scope.close();
    scope.close();

    CountDownLatch behindTheCancels = new CountDownLatch(1);
    reader.schedule(behindTheCancels::countDown);
    assertThat(behindTheCancels.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(source.cancelThreads).singleElement(STRING)
        .startsWith("scope-test-reader");
  }

  @Test
  void aSourceSubscribedAfterTheScopeClosedIsCancelledAtOnce() {
    BatchScope scope = new BatchScope(reader);
    scope.close();
    RecordingSubscription source = new RecordingSubscription();

    scope.sourceSubscribed(source);

    assertThat(source.cancelThreads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void closingClosesTheBatchesNoStepClaimedAndLaterOnesAtOnce() {
    BatchScope scope = new BatchScope(reader);
    ClosingBatch claimed = new ClosingBatch();
    ClosingBatch waiting = new ClosingBatch();
    scope.register(claimed);
    scope.register(waiting);
    assertThat(scope.claim(claimed)).isTrue();
    assertThat(scope.waiting()).isEqualTo(1);

    scope.close();
    ClosingBatch late = new ClosingBatch();
    scope.register(late);

    assertThat(claimed.closes).as("the step owns it").isZero();
    assertThat(waiting.closes).isEqualTo(1);
    assertThat(late.closes).isEqualTo(1);
    assertThat(scope.claim(waiting)).as("closed by the scope, never stepped").isFalse();
  }

  private static final class RecordingSubscription implements Subscription {
    final List<String> cancelThreads = new CopyOnWriteArrayList<>();

    @Override
    public void request(long n) {}

    @Override
    public void cancel() {
      cancelThreads.add(Thread.currentThread().getName());
    }
  }

  private static final class ClosingBatch implements AutoCloseable {
    int closes;

    @Override
    public void close() {
      closes++;
    }
  }
}
