package io.solstice.examples;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.AsyncSubscriber;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A training run's events composed with ordinary Reactor code, three ways:
 *
 * <ol>
 *   <li><b>A live feed.</b> An {@link AsyncSubscriber} (it never stalls a step) turns each epoch's
 *       merged metrics into a server-sent-events line and emits it into a {@link Sinks.Many}
 *       that replays the latest lines; an SSE endpoint (Reactor Netty, Spring WebFlux) would
 *       return {@code feed.asFlux()} as its body. Here a client just collects the lines.
 *   <li><b>A stop rule.</b> A synchronous {@link TrainingSubscriber#flow} subscriber, written
 *       as {@code filter} + {@code event.run().stop(...)}: stop once the validation accuracy
 *       reaches a target.
 *   <li><b>A table.</b> The run's own {@code events()} flux, {@code filter}ed to the epoch ends
 *       and {@code reduce}d into a per-epoch table of train and validation loss and accuracy.
 * </ol>
 *
 * <p>The data are the bundled UCI digits, in memory; the model a small MLP.
 */
public final class EventStreamExample {

  /** The last lines the feed replays to a client that connects late. */
  static final int FEED_REPLAY = 256;

  private EventStreamExample() {}

  /**
   * What a run produced.
   *
   * @param table one row per epoch: its train and validation metrics
   * @param feed the server-sent-events lines a client received, in order
   * @param feedDropped events the feed's subscriber dropped because it fell behind
   * @param outcome how the run ended (the stop rule ends it early)
   */
  public record Result(EpochTable table, List<String> feed, long feedDropped, RunOutcome outcome) {}

  /**
   * Trains up to {@code maxEpochs}, stopping once the validation accuracy reaches {@code target}.
   *
   * @param maxEpochs the most epochs to train
   * @param target the validation accuracy that ends the run
   * @return the table, the feed and the outcome
   */
  public static Result run(int maxEpochs, double target) {
    DigitsDataset.Split split = DigitsDataset.bundled().split(0.2, 42);
    List<TensorBatch> train = split.train().batches(64);
    List<TensorBatch> val = split.test().batches(128);
    MlpClassifier model = MlpClassifier.builder()
        .inputs(DigitsDataset.FEATURES).hidden(64).classes(DigitsDataset.CLASSES)
        .updater(new Adam(3e-3)).seed(7).build();

    // 1. The live feed: a replaying sink, filled off the training thread.
    Sinks.Many<String> feed = Sinks.many().replay().limit(FEED_REPLAY);
    AsyncSubscriber<Object, Object> sse = AsyncSubscriber.dropOldest(1024, events -> events
        .doOnNext(event -> {
          if (event instanceof TrainingEvent.EpochEnded<?, ?> end && end.metrics() != null) {
            feed.tryEmitNext(sseLine(end));
          } else if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
            feed.tryEmitNext("event: end\ndata: {\"outcome\":\"" + end.outcome().status() + "\"}\n\n");
            feed.tryEmitComplete();
          }
        }));
    Mono<List<String>> client = feed.asFlux().collectList().cache();
    client.subscribe();

    // 2. The stop rule: filter, then stop.
    TrainingSubscriber<Object, Object> stopRule = TrainingSubscriber.flow(events -> events
        .filter(event -> event instanceof TrainingEvent.ValidationEnded<?, ?> validated
            && validated.values().getOrDefault("accuracy", 0.0) >= target)
        .doOnNext(event -> event.run().stop(
            String.format(Locale.ROOT, "validation accuracy reached %.2f", target))));

    // 3. The table: the run's events, reduced.
    RunOutcome[] outcome = {null};
    EpochTable table = Solstice.run(model)
        .train(Flux.fromIterable(train))
        .validate(Flux.fromIterable(val))
        .epochs(maxEpochs)
        .subscribers(stopRule)
        .asyncSubscribers(sse)
        .events()
        .doOnNext(event -> {
          if (event instanceof TrainingEvent.RunEnded<?, ?> end) {
            outcome[0] = end.outcome();
          }
        })
        .filter(event -> event instanceof TrainingEvent.EpochEnded<?, ?>)
        .reduce(EpochTable.EMPTY, (rows, event) -> rows.with((TrainingEvent.EpochEnded<?, ?>) event))
        .block();

    // The feed's subscriber may still be delivering when the run has ended.
    List<String> received = client.block(Duration.ofSeconds(30));
    return new Result(table, received, sse.dropped(), outcome[0]);
  }

  private static String sseLine(TrainingEvent.EpochEnded<?, ?> end) {
    Map<String, Double> v = end.values();
    return String.format(Locale.ROOT,
        "event: epoch\ndata: {\"epoch\":%d,\"mode\":\"%s\",\"loss\":%.6f,\"accuracy\":%.6f}\n\n",
        end.epoch(), end.mode().label(), v.get("loss"), v.get("accuracy"));
  }

  /**
   * Runs the example and prints the feed and the table.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    Result result = run(30, 0.95);
    System.out.println("The feed a server-sent-events client received:");
    result.feed().forEach(System.out::print);
    System.out.println("Per-epoch metrics:");
    System.out.print(result.table().render());
    System.out.printf(Locale.ROOT, "Run ended %s (%s)%n", result.outcome().status(),
        result.outcome().cause() == null ? "all epochs" : result.outcome().cause().getMessage());
  }

  /**
   * Per-epoch metrics, one row per train epoch, immutable: {@link #with} returns a new table,
   * so it works as a {@code reduce} accumulator.
   *
   * @param rows by epoch: the train and validation values
   */
  public record EpochTable(Map<Integer, Row> rows) {

    /** The table with no row. */
    public static final EpochTable EMPTY = new EpochTable(Map.of());

    /** Copies the rows. */
    public EpochTable {
      rows = Map.copyOf(rows);
    }

    /**
     * One epoch's metrics.
     *
     * @param train the train epoch's merged values, empty when it ran no step
     * @param val the validation's merged values, empty when none ran
     */
    public record Row(Map<String, Double> train, Map<String, Double> val) {}

    /**
     * This table with an epoch's end added: a TRAIN end fills the row's train values, a VAL
     * end its validation values.
     *
     * @param end the event
     * @return the new table
     */
    public EpochTable with(TrainingEvent.EpochEnded<?, ?> end) {
      TreeMap<Integer, Row> next = new TreeMap<>(rows);
      Row row = next.getOrDefault(end.epoch(), new Row(Map.of(), Map.of()));
      next.put(end.epoch(), end.mode() == Mode.VAL
          ? new Row(row.train(), end.values())
          : new Row(end.values(), row.val()));
      return new EpochTable(next);
    }

    /**
     * The table as text, one line per epoch.
     *
     * @return the lines
     */
    public String render() {
      StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
          "%5s %10s %10s %10s %10s%n", "epoch", "loss", "accuracy", "val loss", "val acc"));
      new TreeMap<>(rows).forEach((epoch, row) -> out.append(String.format(Locale.ROOT,
          "%5d %10.4f %10.4f %10.4f %10.4f%n", epoch,
          row.train().getOrDefault("loss", Double.NaN),
          row.train().getOrDefault("accuracy", Double.NaN),
          row.val().getOrDefault("loss", Double.NaN),
          row.val().getOrDefault("accuracy", Double.NaN))));
      return out.toString();
    }
  }
}
