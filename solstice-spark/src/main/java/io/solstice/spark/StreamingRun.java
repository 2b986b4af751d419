package io.solstice.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.NamedArrays;
import io.solstice.core.RunOutcome;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.metrics.Metrics;
import io.solstice.reactive.Prequential;
import io.solstice.reactive.PrequentialMetrics;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingException;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.spark.internal.AppliedState;
import io.solstice.spark.internal.DriverRun;
import io.solstice.spark.internal.EncodedState;
import io.solstice.spark.internal.ParameterAveraging;
import io.solstice.spark.internal.PartitionResult;
import io.solstice.spark.internal.RoundAggregate;
import io.solstice.spark.internal.RoundBroadcast;
import io.solstice.spark.internal.RoundPlan;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * One run of a {@link SparkStreamingTrainer}: the model as the applied micro-batches left it,
 * the query that feeds it, and what each micro-batch did.
 *
 * <h2>Events</h2>
 *
 * <p>The run delivers the engine's {@link TrainingEvent}s to its synchronous subscribers on the
 * thread that runs the micro-batches (Spark's query thread), with {@link SparkTrainer}'s rules.
 * {@code RunStarted} comes from {@link SparkStreamingTrainer#open}, at the position of the
 * loaded state. Micro-batch {@code b} is train epoch {@code b}: {@code EpochStarted(b)}, then
 * per round {@code StepStarted} and {@code StepEnded} (step numbers count rounds over the whole
 * query, restarts included; outputs: the round's train metrics merged across partitions;
 * {@code prequential()}: the round's rows evaluated before they were trained on, merged across
 * partitions, with the cumulative, windowed and fading report over the rounds of this run),
 * then the state's write, then {@code EpochEnded(b)} with the batch's merged train metrics.
 * A skipped micro-batch (already applied) delivers nothing. {@link #close()} delivers {@code
 * RunEnded}: {@code FAILED} when the query failed.
 *
 * <p>A subscriber that throws fails the micro-batch, and so the query: before the state's write
 * nothing of the batch is kept, after it the batch counts as applied and a restart skips it.
 * A stop request ({@code event.run().stop(...)} or an early-stopping exception) lets the
 * micro-batch finish (a half-trained batch would lose records) and stops the query after it.
 *
 * <h2>Progress</h2>
 *
 * <p>{@link #progress()} emits a {@link MicroBatchSummary} for every micro-batch once Spark has
 * reported its progress (after the commit): rows trained, rounds, train and prequential
 * metrics, the offsets it read and the lag it left behind.
 *
 * <p>Thread safety: {@link #start}, {@link #applyMicroBatch} and {@link #close} are for one
 * thread at a time (the query calls {@code applyMicroBatch} on its own thread); {@link
 * #experiment()} and {@link #appliedBatch()} may be read from any thread.
 *
 * @param <E> the experiment type
 * @param <M> the metrics type
 */
public final class StreamingRun<
        E extends Experiment<E, TensorBatch, M> & Checkpointable<E>, M extends Metrics<M>>
    implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamingRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkStreamingTrainer<E, M> trainer;
  private final AppliedState state;
  private final DriverRun<E, M> run;
  private final Prequential<M> prequential;
  private final String queryName = "solstice-" + UUID.randomUUID();
  private final Map<Long, MicroBatchSummary<M>> awaitingProgress = new ConcurrentHashMap<>();
  private final Sinks.Many<MicroBatchSummary<M>> summaries =
      Sinks.many().multicast().directBestEffort();
  private final ProgressListener listener = new ProgressListener();

  private volatile E experiment;
  private volatile long appliedBatch;
  private long rounds;
  private StreamingQuery query;
  private SparkSession session;
  private boolean closed;

  StreamingRun(
      SparkStreamingTrainer<E, M> trainer, E start,
      List<? extends TrainingSubscriber<? super E, ? super M>> subscribers) {
    this.trainer = trainer;
    this.state = AppliedState.open(trainer.checkpoints.resolve("model"));
    this.run = new DriverRun<>(subscribers);
    this.prequential = new Prequential<>(trainer.windowSize, trainer.fadingFactor);
    AppliedState.Version loaded = state.latest().orElse(null);
    this.experiment = loaded == null ? start : start.withState(loaded.state());
    this.appliedBatch = loaded == null ? -1 : loaded.batchId();
    this.rounds = loaded == null ? 0 : loaded.rounds();
    if (loaded != null) {
      LOG.info("continuing after micro-batch {} ({} rounds) from {}", appliedBatch, rounds,
          trainer.checkpoints);
    }
    try {
      run.deliver(new TrainingEvent.RunStarted<>(run, experiment, position()));
    } catch (Exception e) {
      run.runEnded(new TrainingEvent.RunEnded<>(run, experiment, RunOutcome.failed(e), position()));
      throw new TrainingException(Mode.TRAIN, (int) (appliedBatch + 1), rounds, e);
    }
  }

  /**
   * Starts the streaming query: every micro-batch of {@code rows} goes through {@link
   * #applyMicroBatch}, with Spark's checkpoint in the trainer's checkpoint directory.
   *
   * @param rows a streaming data frame with the trainer's feature and label columns (for
   *     example from {@link KafkaRows#json})
   * @return the query
   * @throws TimeoutException when Spark cannot start the query
   */
  public StreamingQuery start(Dataset<Row> rows) throws TimeoutException {
    if (query != null) {
      throw new IllegalStateException("this run already started a query; open another run");
    }
    SparkSession rowsSession = rows.sparkSession();
    rowsSession.streams().addListener(listener);
    try {
      query = rows.writeStream()
          .queryName(queryName)
          .option("checkpointLocation", trainer.checkpoints.resolve("query").toString())
          .trigger(trainer.trigger)
          .foreachBatch((Dataset<Row> batch, Long batchId) -> applyMicroBatch(batch, batchId))
          .start();
    } catch (TimeoutException | RuntimeException e) {
      rowsSession.streams().removeListener(listener);
      throw e;
    }
    session = rowsSession;
    return query;
  }

  /**
   * Trains one micro-batch, unless a batch with this id was already applied: rounds until
   * every partition has passed over its rows, then the state's atomic write with version
   * {@code batchId}. This is what the query calls for each micro-batch; call it directly to
   * replay micro-batches (for example the ranges of {@link MicroBatchSummary#startOffsets()}
   * read back with {@link KafkaRows#range}).
   *
   * @param rows the micro-batch (the trainer's columns; its partitions are the workers)
   * @param batchId its id, increasing from one call to the next
   * @throws TrainingException when a round or a subscriber failed
   */
  public void applyMicroBatch(Dataset<Row> rows, long batchId) {
    if (batchId <= appliedBatch) {
      LOG.info("micro-batch {} was applied before the restart (state version {}): skipped",
          batchId, appliedBatch);
      awaitingProgress.put(batchId, new MicroBatchSummary<>(
          batchId, true, 0, 0, null, null, Duration.ZERO, -1, null, null, 0, 0));
      return;
    }
    int epoch = Math.toIntExact(batchId);
    long started = System.nanoTime();
    E lastApplied = experiment;
    long lastAppliedRounds = rounds;
    boolean written = false;
    TrainingShards shards = TrainingShards.rows(rows, trainer.featureColumns,
        trainer.labelColumn, trainer.numClasses, trainer.batchRows);
    try {
      MicroBatch batch = train(epoch, shards);
      state.write(batchId, rounds, experiment.state());
      written = true;
      appliedBatch = batchId;
      // Applied from here on, so reported even if a subscriber fails it or the query stops now.
      awaitingProgress.put(batchId, new MicroBatchSummary<>(batchId, false, batch.records,
          batch.rounds, batch.metrics, batch.evaluated,
          Duration.ofNanos(System.nanoTime() - started), -1, null, null, 0, 0));
      run.deliver(new TrainingEvent.EpochEnded<>(run, experiment, epoch, Mode.TRAIN,
          batch.rounds, batch.metrics, batch.metrics == null ? Map.of() : batch.metrics.compute(),
          position(), true));
    } catch (Exception e) {
      if (!written) {
        // Nothing of this batch is kept: a retry (or a replay) starts from the last version.
        experiment = lastApplied;
        rounds = lastAppliedRounds;
      }
      throw e instanceof TrainingException t ? t : new TrainingException(Mode.TRAIN, epoch, rounds, e);
    } finally {
      shards.release();
    }
    if (run.isStopping() && query != null) {
      stopQueryAfterThisBatch();
    }
  }

  /** The rounds of one micro-batch, with their events. */
  private MicroBatch train(int epoch, TrainingShards shards) throws Exception {
    run.deliver(new TrainingEvent.EpochStarted<>(run, experiment, epoch, Mode.TRAIN));
    MicroBatch batch = new MicroBatch();
    Map<Integer, long[]> positions = new HashMap<>();
    boolean more = true;
    while (more) {
      long step = rounds;
      run.deliver(new TrainingEvent.StepStarted<>(
          run, experiment, epoch, step, Mode.TRAIN, DriverRun.NO_BATCH));
      long started = System.nanoTime();
      EncodedState broadcast = EncodedState.encode(experiment.state());
      RoundAggregate aggregate = RoundJob.run(trainer.spark, trainer.factory, trainer.codec,
          shards, new RoundBroadcast(Math.toIntExact(step), broadcast, new HashMap<>(positions),
              Map.of(), true),
          RoundPlan.onePassPrequential(trainer.stepsPerRound), trainer.treeDepth);
      NamedArrays combined = ParameterAveraging.average(broadcast, aggregate.inPartitionOrder(),
          Set.of(RoundBroadcast.SEED),
          name -> trainer.summedPrefix != null && name.startsWith(trainer.summedPrefix));
      Round round = new Round();
      more = false;
      for (PartitionResult result : aggregate.inPartitionOrder()) {
        positions.put(result.partition(), new long[] {result.nextFragment(), result.nextBatch()});
        more |= !result.exhausted();
        round.add(result);
      }
      experiment = experiment.withState(combined);
      rounds++;
      batch.rounds++;
      if (round.records == 0) {
        break; // no partition had rows left: nothing more to train in this micro-batch
      }
      batch.add(round);
      PrequentialMetrics<M> report =
          round.evaluated == null ? null : prequential.accept(round.evaluated);
      run.deliver(new TrainingEvent.StepEnded<>(run, experiment, round.metrics, Mode.TRAIN,
          epoch, step, new RunPosition(epoch, batch.rounds, rounds, 0), report, 0,
          new TrainingEvent.Timings(0, System.nanoTime() - started, 0), DriverRun.NO_BATCH));
    }
    return batch;
  }

  /**
   * The model as the applied micro-batches left it (after a restart, as loaded from the
   * checkpoint directory until the next batch is applied).
   *
   * @return the experiment
   */
  public E experiment() {
    return experiment;
  }

  /**
   * The id of the last micro-batch applied, or -1 when none was.
   *
   * @return the batch id
   */
  public long appliedBatch() {
    return appliedBatch;
  }

  /**
   * The micro-batches' summaries, in batch order, each once Spark has reported the batch's
   * progress: a hot source, so subscribe before {@link #start}; it completes when the run is
   * closed. Every micro-batch whose state was written is reported: one applied while the query
   * stopped or failed, which Spark never reported, comes from {@link #close()} with the lag -1,
   * no offsets and no rates. A slow subscriber misses summaries rather than hold up the query.
   *
   * @return the summaries
   */
  public Flux<MicroBatchSummary<M>> progress() {
    return summaries.asFlux();
  }

  /**
   * Stops the query (if it runs), waits for it, reports the applied micro-batches not reported
   * yet, and delivers {@code RunEnded}: {@code FAILED} with the query's exception when it
   * failed, {@code STOPPED_EARLY} after a stop request, {@code COMPLETED} otherwise; then {@link
   * #progress()} completes.
   *
   * @throws TrainingException when a subscriber failed on {@code RunEnded}
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Throwable failure = null;
    if (query != null) {
      try {
        query.stop();
      } catch (TimeoutException e) {
        failure = e;
      }
      if (failure == null && query.exception().isDefined()) {
        failure = query.exception().get();
      }
      session.streams().removeListener(listener);
    }
    reportTheRest();
    RunOutcome outcome = failure != null ? RunOutcome.failed(failure)
        : run.isStopping() ? RunOutcome.stoppedEarly(run.stopReason()) : RunOutcome.COMPLETED;
    Throwable subscriberError =
        run.runEnded(new TrainingEvent.RunEnded<>(run, experiment, outcome, position()));
    synchronized (summaries) {
      summaries.tryEmitComplete();
    }
    if (subscriberError != null) {
      throw new TrainingException(Mode.TRAIN, (int) (appliedBatch + 1), rounds, subscriberError);
    }
  }

  /**
   * Reports the applied micro-batches still waiting for their progress, in batch order: with
   * the query's own record of the batch when Spark made one (its listener events may still be
   * on their way), else as never reported.
   */
  private void reportTheRest() {
    Map<Long, StreamingQueryProgress> recorded = new HashMap<>();
    if (query != null) {
      for (StreamingQueryProgress p : query.recentProgress()) {
        recorded.put(p.batchId(), p);
      }
    }
    for (long batchId : new TreeSet<>(awaitingProgress.keySet())) {
      report(batchId, recorded.get(batchId));
    }
  }

  /**
   * Emits the summary of a micro-batch once, joined with Spark's progress of it when there is
   * one: the listener's thread and {@link #close()} may both try, so both go through here.
   */
  private void report(long batchId, StreamingQueryProgress progress) {
    synchronized (summaries) {
      MicroBatchSummary<M> trained = awaitingProgress.remove(batchId);
      if (trained == null) {
        return;
      }
      if (progress == null) {
        summaries.tryEmitNext(trained);
        return;
      }
      SourceProgress[] sources = progress.sources();
      String start = sources.length == 1 ? sources[0].startOffset() : null;
      String end = sources.length == 1 ? sources[0].endOffset() : null;
      summaries.tryEmitNext(new MicroBatchSummary<>(trained.batchId(), trained.skipped(),
          trained.records(), trained.rounds(), trained.metrics(), trained.prequential(),
          trained.trainingTime(), lag(sources), start, end, progress.inputRowsPerSecond(),
          progress.processedRowsPerSecond()));
    }
  }

  private RunPosition position() {
    return new RunPosition(Math.toIntExact(appliedBatch + 1), 0, rounds, 0);
  }

  /** Stops the query from another thread: the query's own thread cannot wait for itself. */
  private void stopQueryAfterThisBatch() {
    StreamingQuery running = query;
    Thread stopper = new Thread(() -> {
      try {
        running.stop();
      } catch (TimeoutException e) {
        LOG.warn("the query did not stop in time after a stop request", e);
      }
    }, queryName + "-stop");
    stopper.setDaemon(true);
    stopper.start();
  }

  /** The records behind the latest offsets Spark saw when it planned the batch; -1 if unknown. */
  static long lag(SourceProgress[] sources) {
    long lag = 0;
    for (SourceProgress source : sources) {
      if (source.latestOffset() == null || source.endOffset() == null) {
        return -1;
      }
      try {
        JsonNode latest = JSON.readTree(source.latestOffset());
        JsonNode end = JSON.readTree(source.endOffset());
        for (var topic : (Iterable<Map.Entry<String, JsonNode>>) latest::fields) {
          for (var partition : (Iterable<Map.Entry<String, JsonNode>>) topic.getValue()::fields) {
            JsonNode consumed = end.path(topic.getKey()).path(partition.getKey());
            long behind = partition.getValue().asLong()
                - (consumed.isMissingNode() ? 0 : consumed.asLong());
            lag += Math.max(0, behind);
          }
        }
      } catch (java.io.IOException e) {
        return -1; // a source whose offsets are not Kafka's JSON
      }
    }
    return lag;
  }

  /** Joins the trainer's record of each micro-batch with Spark's progress report of it. */
  private final class ProgressListener extends StreamingQueryListener {
    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
      StreamingQueryProgress p = event.progress();
      if (queryName.equals(p.name())) {
        report(p.batchId(), p);
      }
    }

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {}
  }

  /** One round's merged results on the driver. */
  private final class Round {
    long records;
    M metrics;
    M evaluated;

    void add(PartitionResult result) {
      if (result.examples() == 0) {
        return;
      }
      records += result.examples();
      metrics = merge(metrics, trainer.codec.decode(result.metrics()));
      if (result.prequential() != null) {
        evaluated = merge(evaluated, trainer.codec.decode(result.prequential()));
      }
    }
  }

  /** One micro-batch's merged results on the driver. */
  private final class MicroBatch {
    long records;
    int rounds;
    M metrics;
    M evaluated;

    void add(Round round) {
      records += round.records;
      metrics = merge(metrics, round.metrics);
      evaluated = merge(evaluated, round.evaluated);
    }
  }

  private static <M extends Metrics<M>> M merge(M sum, M more) {
    return sum == null ? more : more == null ? sum : sum.merge(more);
  }
}
