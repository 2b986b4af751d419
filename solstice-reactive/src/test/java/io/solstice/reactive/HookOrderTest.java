package io.solstice.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.EventLog;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.Recorder;
import io.solstice.reactive.fixtures.Sources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event order, hook order and step numbering written in {@link Solstice}'s Javadoc, seen
 * through {@link Run#events()}, synchronous subscribers and callbacks of the original four-hook
 * interface (attached with {@link Run#callbacks}).
 */
class HookOrderTest {

  private final Ledger ledger = new Ledger();
  private final List<String> log = Recorder.newLog();

  @Test
  void trainWithValidationOverTwoEpochsCallsEveryHookOfEveryCallbackInTheDocumentedOrder() {
    Recorder a = Recorder.of("a", log);
    Recorder b = Recorder.of("b", log);

    CountingExperiment result = run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 2)).validate(Sources.counting(ledger, 1)).epochs(2)
        .callbacks(a, b)
        .block();

    List<String> expected = new ArrayList<>();
    both(expected, "onEpochStart(0,TRAIN)");
    both(expected, "onStepStart(0,TRAIN)");
    both(expected, "onStepEnd(0,TRAIN)");
    both(expected, "onStepStart(1,TRAIN)");
    both(expected, "onStepEnd(1,TRAIN)");
    both(expected, "onEpochEnd(0,TRAIN)");
    both(expected, "onEpochStart(0,VAL)");
    both(expected, "onStepStart(0,VAL)");
    both(expected, "onStepEnd(0,VAL)");
    both(expected, "onEpochEnd(0,VAL)");
    both(expected, "onEpochStart(1,TRAIN)");
    both(expected, "onStepStart(2,TRAIN)");
    both(expected, "onStepEnd(2,TRAIN)");
    both(expected, "onStepStart(3,TRAIN)");
    both(expected, "onStepEnd(3,TRAIN)");
    both(expected, "onEpochEnd(1,TRAIN)");
    both(expected, "onEpochStart(1,VAL)");
    both(expected, "onStepStart(1,VAL)");
    both(expected, "onStepEnd(1,VAL)");
    both(expected, "onEpochEnd(1,VAL)");
    both(expected, "onRunEnd(COMPLETED)");
    assertThat(log).containsExactlyElementsOf(expected);
    assertThat(result.trained()).isEqualTo(4);
    assertThat(result.evaluated()).isEqualTo(2);
    assertThat(a.outcome()).isEqualTo(RunOutcome.COMPLETED);
  }

  @Test
  void theEventStreamHasEveryEventInTheDocumentedOrderAfterEverySynchronousSubscriberSawIt() {
    Ledger val = new Ledger();
    EventLog events = new EventLog();
    List<String> order = new CopyOnWriteArrayList<>();
    List<String> emittedTooEarly = new CopyOnWriteArrayList<>();

    List<TrainingEvent<CountingExperiment, MeanMetric>> emitted =
        run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 2)).validate(Sources.counting(val, 1)).epochs(2)
            .subscribers(events, tagged("1", order), tagged("2", order))
            .subscribers(tagged("3", order))
            .events()
            .index()
            .doOnNext(indexed -> {
              // The n-th emitted event must be the n-th event the last subscriber handled.
              int n = (int) (long) indexed.getT1();
              String line = EventLog.describe(indexed.getT2());
              if (order.size() < 3 * (n + 1) || !order.get(3 * n + 2).equals("3 " + line)) {
                emittedTooEarly.add(line);
              }
            })
            .map(indexed -> indexed.getT2())
            .collectList().block();

    List<String> expected = List.of(
        "RunStarted",
        "EpochStarted(0,TRAIN)",
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)",
        "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)",
        "EpochEnded(0,TRAIN)",
        "EpochStarted(0,VAL)",
        "StepStarted(0,VAL)", "StepEnded(0,VAL)",
        "EpochEnded(0,VAL)", "ValidationEnded(0)",
        "EpochStarted(1,TRAIN)",
        "StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "StepStarted(3,TRAIN)", "StepEnded(3,TRAIN)",
        "EpochEnded(1,TRAIN)",
        "EpochStarted(1,VAL)",
        "StepStarted(1,VAL)", "StepEnded(1,VAL)",
        "EpochEnded(1,VAL)", "ValidationEnded(1)",
        "RunEnded(COMPLETED)");
    assertThat(emitted).extracting(EventLog::describe).containsExactlyElementsOf(expected);
    assertThat(events.lines()).containsExactlyElementsOf(expected);
    // Every event reaches the subscribers in registration order before the next event.
    assertThat(order).containsExactlyElementsOf(expected.stream()
        .flatMap(line -> java.util.stream.Stream.of("1 " + line, "2 " + line, "3 " + line))
        .toList());
    assertThat(emittedTooEarly).as("events emitted before every synchronous subscriber had "
        + "handled them").isEmpty();
    assertThat(emitted).extracting(TrainingEvent::run).containsOnly(events.run());

    // Each epoch end carries the reduce of its steps' outputs: train ids 0,1 then 2,3; val 0, 1.
    assertThat(EventLog.assertEpochMetricsMergeTheirSteps(emitted)).isEqualTo(4);
    assertThat(emitted).filteredOn(TrainingEvent.EpochEnded.class::isInstance)
        .extracting(e -> (TrainingEvent.EpochEnded<?, ?>) e)
        .extracting(e -> e.mode() + "/" + e.epoch() + "/" + e.steps() + "/" + e.values())
        .containsExactly("TRAIN/0/2/{id=0.5}", "VAL/0/1/{id=0.0}", "TRAIN/1/2/{id=2.5}",
            "VAL/1/1/{id=1.0}");
    // Epoch, validation and run ends carry the position a resumed run would start from: inside
    // the epoch until its due validation has run, the next epoch after.
    assertThat(emitted).filteredOn(e -> e instanceof TrainingEvent.EpochEnded<?, ?>
            || e instanceof TrainingEvent.ValidationEnded<?, ?>
            || e instanceof TrainingEvent.RunEnded<?, ?>)
        .extracting(EventLog::position)
        .containsExactly(
            new RunPosition(0, 2, 2, 0), new RunPosition(1, 0, 2, 1), new RunPosition(1, 0, 2, 1),
            new RunPosition(1, 2, 4, 1), new RunPosition(2, 0, 4, 2), new RunPosition(2, 0, 4, 2),
            new RunPosition(2, 0, 4, 2));
    assertThat(((TrainingEvent.RunStarted<?, ?>) emitted.get(0)).position())
        .isEqualTo(RunPosition.START);
    // The run ends with the experiment returned by its last step (here the last val step).
    assertThat(((CountingExperiment) emitted.get(emitted.size() - 1).experiment()))
        .isEqualTo(((TrainingEvent.StepEnded<?, ?>) emitted.get(emitted.size() - 4)).experiment());
  }

  @Test
  void aCheckpointAnnouncedWhileHandlingAnEventIsEmittedRightAfterIt(@TempDir Path dir) {
    EventLog events = new EventLog();
    TrainingSubscriber<CountingExperiment, MeanMetric> saver = event -> {
      if (event instanceof TrainingEvent.StepEnded<CountingExperiment, MeanMetric> step
          && step.globalStep() == 1) {
        Path file = dir.resolve("after-step-1");
        try {
          Files.writeString(file, Long.toString(step.experiment().trained()));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        step.run().checkpointWritten(file, step.position());
      }
    };

    List<TrainingEvent<CountingExperiment, MeanMetric>> emitted = run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 3))
        .subscribers(saver, events)
        .events().collectList().block();

    assertThat(emitted).extracting(EventLog::describe).containsExactly("RunStarted",
        "EpochStarted(0,TRAIN)",
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)",
        "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)", "CheckpointWritten(after-step-1)",
        "StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "EpochEnded(0,TRAIN)", "RunEnded(COMPLETED)");
    assertThat(events.lines()).containsExactlyElementsOf(
        emitted.stream().map(EventLog::describe).toList());
    TrainingEvent.CheckpointWritten<?, ?> written = (TrainingEvent.CheckpointWritten<?, ?>) emitted.get(6);
    assertThat(written.position()).isEqualTo(new RunPosition(0, 2, 2, 0));
    assertThat(((CountingExperiment) written.experiment()).trained()).isEqualTo(2);
    assertThat(dir.resolve("after-step-1")).hasContent("2");
  }

  @Test
  void aRaisedSignalIsDeliveredToEverySubscriberAndEmittedRightAfterTheEventItWasRaisedIn(
      @TempDir Path dir) {
    List<String> order = new CopyOnWriteArrayList<>();
    EventLog events = new EventLog();
    TrainingSubscriber<CountingExperiment, MeanMetric> raiser = event -> {
      order.add("raiser " + EventLog.describe(event));
      if (event instanceof TrainingEvent.StepEnded<CountingExperiment, MeanMetric> step
          && step.globalStep() == 1) {
        step.run().checkpointWritten(dir.resolve("first"), step.position());
        step.run().raise("drift", "at row 42");
        step.run().raise("warning", 7L);
      } else if (event instanceof TrainingEvent.SignalRaised<CountingExperiment, MeanMetric> s
          && s.name().equals("drift")) {
        // A signal raised while a signal is handled follows that signal.
        s.run().raise("reaction", s.detail());
      }
    };

    List<TrainingEvent<CountingExperiment, MeanMetric>> emitted =
        Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 3))
            .subscribers(raiser, tagged("other", order), events)
            .events().collectList().block();

    List<String> described = emitted.stream().map(EventLog::describe).toList();
    assertThat(described).containsExactly("RunStarted",
        "EpochStarted(0,TRAIN)",
        "StepStarted(0,TRAIN)", "StepEnded(0,TRAIN)",
        "StepStarted(1,TRAIN)", "StepEnded(1,TRAIN)", "CheckpointWritten(first)",
        "SignalRaised(drift)", "SignalRaised(reaction)", "SignalRaised(warning)",
        "StepStarted(2,TRAIN)", "StepEnded(2,TRAIN)",
        "EpochEnded(0,TRAIN)", "RunEnded(COMPLETED)");
    assertThat(events.lines()).containsExactlyElementsOf(described);
    List<String> expectedOrder = new ArrayList<>();
    for (String event : described) {
      expectedOrder.add("raiser " + event);
      expectedOrder.add("other " + event);
    }
    assertThat(order).containsExactlyElementsOf(expectedOrder);
    TrainingEvent.SignalRaised<?, ?> drift = (TrainingEvent.SignalRaised<?, ?>) emitted.get(7);
    assertThat(drift.detail(String.class)).contains("at row 42");
    assertThat(drift.detail(Long.class)).isEmpty();
    assertThat(drift.position()).isEqualTo(new RunPosition(0, 2, 2, 0));
    assertThat(((CountingExperiment) drift.experiment()).trained()).isEqualTo(2);
    assertThat(((TrainingEvent.SignalRaised<?, ?>) emitted.get(9)).detail(Long.class)).contains(7L);
  }

  @Test
  void noStepStartsWhileTheSubscriberHasNotRequestedTheSignalsOfThePreviousStep() {
    java.util.concurrent.atomic.AtomicInteger stepsStarted = new java.util.concurrent.atomic.AtomicInteger();
    TrainingSubscriber<CountingExperiment, MeanMetric> raiser = event -> {
      if (event instanceof TrainingEvent.StepStarted<CountingExperiment, MeanMetric>) {
        stepsStarted.incrementAndGet();
      } else if (event instanceof TrainingEvent.StepEnded<CountingExperiment, MeanMetric> step) {
        step.run().raise("tick", step.globalStep());
      }
    };
    List<TrainingEvent<CountingExperiment, MeanMetric>> received = new CopyOnWriteArrayList<>();

    reactor.test.StepVerifier.create(Solstice.run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 3)).subscribers(raiser).events(), 0)
        .thenRequest(5) // RunStarted, EpochStarted, StepStarted(0), StepEnded(0), SignalRaised(0)
        .recordWith(() -> received)
        .expectNextCount(5)
        .then(() -> assertThat(stepsStarted).hasValue(1))
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(2 * 3 + 2) // two more steps with their signals, EpochEnded, RunEnded
        .verifyComplete();

    assertThat(received).extracting(EventLog::describe).containsSubsequence(
        "StepEnded(0,TRAIN)", "SignalRaised(tick)", "StepStarted(1,TRAIN)",
        "StepEnded(1,TRAIN)", "SignalRaised(tick)", "StepStarted(2,TRAIN)");
  }

  @Test
  void everyHookAndStepRunsOnOneTrainingThreadAndSourcesAreReadOnAnother() {
    Recorder a = Recorder.of("a", log);
    EventLog events = new EventLog();
    CountingExperiment start = CountingExperiment.fresh();

    run(start).train(Sources.counting(ledger, 5)).validate(Sources.counting(ledger, 2))
        .epochs(3).callbacks(a).subscribers(events)
        .block();

    assertThat(a.threads()).hasSize(1);
    Thread trainingThread = a.threads().iterator().next();
    assertThat(trainingThread.getName()).startsWith(threadPrefixes()[0]);
    assertThat(events.threads()).containsExactly(trainingThread);
    assertThat(start.stepThreads()).containsExactly(trainingThread);
    assertThat(ledger.sourceThreads())
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.getName()).startsWith(threadPrefixes()[1]))
        .doesNotContain(trainingThread);
  }

  @Test
  void validationRunsAfterEveryNthEpochOnly() {
    Recorder a = Recorder.of("a", log);

    run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 1)).validate(Sources.counting(ledger, 1)).epochs(4)
        .validateEveryEpochs(2)
        .callbacks(a)
        .block();

    assertThat(log).filteredOn(l -> l.contains("onEpochStart"))
        .containsExactly("a:onEpochStart(0,TRAIN)", "a:onEpochStart(1,TRAIN)",
            "a:onEpochStart(1,VAL)", "a:onEpochStart(2,TRAIN)", "a:onEpochStart(3,TRAIN)",
            "a:onEpochStart(3,VAL)");
  }

  @Test
  void validationEveryNStepsRunsAWholeValEpochBetweenTrainSteps() {
    Recorder a = Recorder.of("a", log);

    run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 4)).validate(Sources.counting(ledger, 1))
        .validateEverySteps(2)
        .callbacks(a)
        .block();

    assertThat(log).containsExactly(
        "a:onEpochStart(0,TRAIN)",
        "a:onStepStart(0,TRAIN)", "a:onStepEnd(0,TRAIN)",
        "a:onStepStart(1,TRAIN)", "a:onStepEnd(1,TRAIN)",
        "a:onEpochStart(0,VAL)", "a:onStepStart(0,VAL)", "a:onStepEnd(0,VAL)", "a:onEpochEnd(0,VAL)",
        "a:onStepStart(2,TRAIN)", "a:onStepEnd(2,TRAIN)",
        "a:onStepStart(3,TRAIN)", "a:onStepEnd(3,TRAIN)",
        "a:onEpochStart(0,VAL)", "a:onStepStart(1,VAL)", "a:onStepEnd(1,VAL)", "a:onEpochEnd(0,VAL)",
        "a:onEpochEnd(0,TRAIN)",
        "a:onRunEnd(COMPLETED)");
  }

  @Test
  void aTestRunIsOneTestEpochNumberedFromZero() {
    Recorder a = Recorder.of("a", log);
    EventLog events = new EventLog();

    List<MeanMetric> outputs = run(CountingExperiment.fresh())
        .test(Sources.counting(ledger, 3))
        .callbacks(a).subscribers(events)
        .steps().map(TrainingEvent.StepEnded::outputs)
        .collectList().block();

    assertThat(log).containsExactly("a:onEpochStart(0,TEST)",
        "a:onStepStart(0,TEST)", "a:onStepEnd(0,TEST)",
        "a:onStepStart(1,TEST)", "a:onStepEnd(1,TEST)",
        "a:onStepStart(2,TEST)", "a:onStepEnd(2,TEST)",
        "a:onEpochEnd(0,TEST)", "a:onRunEnd(COMPLETED)");
    assertThat(events.lines()).containsExactly("RunStarted", "EpochStarted(0,TEST)",
        "StepStarted(0,TEST)", "StepEnded(0,TEST)",
        "StepStarted(1,TEST)", "StepEnded(1,TEST)",
        "StepStarted(2,TEST)", "StepEnded(2,TEST)",
        "EpochEnded(0,TEST)", "RunEnded(COMPLETED)");
    assertThat(outputs).extracting(m -> m.mean()).containsExactly(0.0, 1.0, 2.0);
  }

  @Test
  void stepResultsCarryModeEpochPerModeGlobalStepAndTheResumePosition() {
    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        run(CountingExperiment.fresh())
            .train(Sources.counting(ledger, 2)).validate(Sources.counting(ledger, 1)).epochs(2)
            .steps().collectList().block();

    assertThat(results).extracting(r -> r.mode() + "/" + r.epoch() + "/" + r.globalStep())
        .containsExactly("TRAIN/0/0", "TRAIN/0/1", "VAL/0/0", "TRAIN/1/2", "TRAIN/1/3", "VAL/1/1");
    // A val step inside an epoch's validation resumes at that validation's start (its val steps
    // not counted): a run resumed there repeats the whole validation with the same numbers.
    assertThat(results).extracting(TrainingEvent.StepEnded::position).extracting(p ->
            p.epoch() + "/" + p.batchesIntoEpoch() + "/" + p.trainSteps() + "/" + p.valSteps())
        .containsExactly("0/1/1/0", "0/2/2/0", "0/2/2/0", "1/1/3/1", "1/2/4/1", "1/2/4/1");
    assertThat(results).allSatisfy(r -> assertThat(r.prequentialMetrics()).isEmpty());
    assertThat(results.get(4).experiment().trained()).isEqualTo(4);
    assertThat(results.stream().filter(r -> r.mode() == Mode.TRAIN)).hasSize(4);
  }

  @Test
  void aStepResultIsEmittedAfterOnStepEndOnceItsBatchIsClosedAndBeforeTheNextStep() {
    List<String> seenAtEmission = new CopyOnWriteArrayList<>();
    List<Boolean> openForSubscribers = new CopyOnWriteArrayList<>();
    TrainingSubscriber<CountingExperiment, MeanMetric> batchReader = event -> {
      if (event instanceof TrainingEvent.StepEnded<CountingExperiment, MeanMetric> step) {
        long id = ((io.solstice.reactive.fixtures.CountingBatch) step.batch().get()).id();
        openForSubscribers.add(step.batch().isOpen() && !ledger.isClosed(id));
      }
    };

    List<TrainingEvent.StepEnded<CountingExperiment, MeanMetric>> results =
        run(CountingExperiment.fresh()).train(Sources.counting(ledger, 3))
            .callbacks(Recorder.of("a", log)).subscribers(batchReader)
            .steps()
            .doOnNext(r -> {
              long batchId = (long) r.outputs().mean();
              seenAtEmission.add(log.get(log.size() - 1) + " closed=" + ledger.isClosed(batchId)
                  + " open=" + r.batch().isOpen());
            })
            .collectList().block();

    assertThat(seenAtEmission).containsExactly(
        "a:onStepEnd(0,TRAIN) closed=true open=false",
        "a:onStepEnd(1,TRAIN) closed=true open=false",
        "a:onStepEnd(2,TRAIN) closed=true open=false");
    assertThat(openForSubscribers).containsExactly(true, true, true);
    assertThat(results).allSatisfy(r -> assertThat(r.batch().isOpen()).isFalse());
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  @Test
  void everyBatchOfACompletedRunIsClosedExactlyOnce() {
    run(CountingExperiment.fresh())
        .train(Sources.counting(ledger, 7)).validate(Sources.counting(ledger, 3)).epochs(3)
        .block();

    assertThat(ledger.created()).isEqualTo(3 * 7 + 3 * 3);
    assertThat(ledger.notClosedExactlyOnce()).isEmpty();
  }

  private static TrainingSubscriber<Object, Object> tagged(String tag, List<String> order) {
    return event -> order.add(tag + " " + EventLog.describe(event));
  }

  private static void both(List<String> expected, String hook) {
    expected.add("a:" + hook);
    expected.add("b:" + hook);
  }

  /** How the run's training thread and source readers are named. */
  String[] threadPrefixes() {
    return new String[] {"solstice-step-", "solstice-source-"};
  }

  /** The run under test; {@link HookOrderInAPoolTest} runs the same tests on threads shared with other runs. */
  <E extends Experiment<E, B, O>, B, O> Run<E, B, O> run(E experiment) {
    return Solstice.run(experiment);
  }
}
