package io.solstice.arrow;

import io.solstice.core.Experiment;
import io.solstice.reactive.ModelVersion;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The operators of the Arrow data plane, for composing pipelines of {@link ArrowBatch}es with
 * Reactor: fan-out to several consumers, filter, projection, rebatching, shuffling, weighted
 * mixing, and streaming prediction and evaluation by a model that may be training at the same
 * time. Transforming operators are functions for {@link Flux#transform}:
 *
 * <pre>{@code
 * Flux<ArrowBatch> batches = source
 *     .transform(ArrowFlux.filter(b -> b.rowCount() > 0))
 *     .transform(ArrowFlux.rebatch(128, allocator))
 *     .transform(ArrowFlux.predict(spec, publisher.versions(), MlpClassifier::predict));
 * }</pre>
 *
 * <p><b>Ownership.</b> Every operator takes ownership of each batch it receives and either hands
 * it (or a batch made from it) downstream or closes it: a batch an operator drops, buffers when
 * the subscription is cancelled or fails, or fails on, is closed by the operator. Batches made
 * from a batch share its buffers where they can (see each operator), through Arrow's reference
 * counting; the source's memory is released when the last of them is closed. The operators have
 * no threads of their own: they run on the threads that deliver the batches and request them.
 *
 * <p>The rules of each operator, with its backpressure, are in docs/COMPOSE.md.
 *
 * <p>Thread safety: thread-safe; it keeps no state, and every operator keeps its state per
 * subscription (a {@link ShuffleBuffer} also keeps its round count and recent states, see there).
 */
public final class ArrowFlux {
  /** The column {@link #predict} adds with the predicted class (int32, the arg-max). */
  public static final String PREDICTION = "prediction";

  /** The column {@link #predict} adds with the model's per-class values ({@code FixedSizeList<Float32>}). */
  public static final String PROBABILITIES = "probabilities";

  /** The column {@link #predict} adds with the version of the model that predicted the row (int64). */
  public static final String MODEL_VERSION = "model_version";

  private ArrowFlux() {}

  /**
   * Splits one source into {@code branches} fluxes that each receive every batch, as a handle of
   * their own on the same buffers ({@link ArrowBatch#share(int)}): the source is read once.
   *
   * <p>The source is subscribed once every branch has been subscribed (each branch exactly once;
   * call this again for another pass). Backpressure is the slowest branch's: at most {@code
   * prefetch} batches wait in the operator, and a branch is never more than {@code prefetch}
   * batches ahead of the slowest one. A branch that cancels (a run that stops early, a {@code
   * take}) has its queued batches closed and leaves the others going; when every branch has
   * cancelled the source is cancelled. The source's completion or error reaches every branch
   * after the batches queued for it.
   *
   * @param source the batches
   * @param branches the number of branches, at least 1
   * @param prefetch the batches requested ahead of the slowest branch, at least 1
   * @return the branches, in a list
   */
  public static List<Flux<ArrowBatch>> broadcast(Publisher<ArrowBatch> source, int branches, int prefetch) {
    Objects.requireNonNull(source, "source");
    atLeast("branches", branches, 1);
    atLeast("prefetch", prefetch, 1);
    return new Broadcast(Flux.from(source), branches, prefetch).branches();
  }

  /**
   * Keeps the batches {@code keep} accepts and closes the others (Reactor's own {@code filter}
   * would leave a dropped batch to a discard hook). If {@code keep} throws, the batch is closed
   * and the flux fails with that exception.
   *
   * @param keep which batches to pass on
   * @return the operator
   */
  public static Function<Flux<ArrowBatch>, Flux<ArrowBatch>> filter(Predicate<? super ArrowBatch> keep) {
    Objects.requireNonNull(keep, "keep");
    return batches -> ClosingFilter.apply(batches, keep);
  }

  /**
   * Keeps only the named columns, in that order, over the same buffers; the other columns are
   * released. A missing column fails the flux with a {@link MissingColumnException}.
   *
   * @param columns the columns to keep
   * @return the operator
   */
  public static Function<Flux<ArrowBatch>, Flux<ArrowBatch>> select(String... columns) {
    List<String> names = List.of(columns);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("select at least one column");
    }
    return batches -> ColumnSelection.apply(batches, names);
  }

  /**
   * Cuts and joins batches into batches of exactly {@code rows} rows; the last batch of the
   * stream holds what is left. A batch of {@code rows} rows passes as it is, rows within one
   * batch are sliced out of it over the same buffers, and only a batch that needs rows of
   * several input batches is copied, under a child of {@code allocator} (closed once the
   * subscription has ended and its last joined batch is closed). Joined batches must have
   * equal schemas and equal dictionaries ({@link SchemaChangeException} otherwise).
   *
   * @param rows the rows per batch, at least 1
   * @param allocator where joined batches are allocated
   * @return the operator
   */
  public static Function<Flux<ArrowBatch>, Flux<ArrowBatch>> rebatch(int rows, BufferAllocator allocator) {
    atLeast("rows", rows, 1);
    Objects.requireNonNull(allocator, "allocator");
    return batches -> Rebatch.apply(batches, rows, allocator);
  }

  /**
   * A bounded, seeded shuffle buffer of {@code size} batches, whose state can be checkpointed
   * (see {@link ShuffleBuffer}).
   *
   * @param size the batches held, at least 2
   * @param seed the seed
   * @return the shuffle
   */
  public static ShuffleBuffer shuffle(int size, long seed) {
    return new ShuffleBuffer(size, seed, null);
  }

  /**
   * Mixes sources at random in proportion to their weights: for each batch requested, a seeded
   * draw picks a source among those not yet exhausted, and one batch is read from it. The order
   * depends only on the seed and the sources' lengths; the mix completes when every source has
   * completed, and fails with the first source error. Each source is subscribed when first
   * drawn, is asked for one batch at a time, and is cancelled with the mix.
   *
   * @param seed the seed
   * @param sources the sources
   * @param weights one positive weight per source (relative; they need not sum to 1)
   * @return the mixed batches; each subscription mixes anew from the same seed
   */
  public static Flux<ArrowBatch> mix(long seed, List<? extends Publisher<ArrowBatch>> sources, double... weights) {
    if (sources.isEmpty() || sources.size() != weights.length) {
      throw new IllegalArgumentException("give one weight per source: " + sources.size() + " sources, "
          + weights.length + " weights");
    }
    for (double w : weights) {
      if (!(w > 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be positive and finite, got " + w);
      }
    }
    return new WeightedMix(seed, List.<Publisher<ArrowBatch>>copyOf(sources), weights);
  }

  /**
   * Appends a model's predictions to each batch: its own columns, over the very same buffers (not
   * copied), then {@link #PREDICTION}, {@link #PROBABILITIES} and {@link #MODEL_VERSION}. The
   * features are read as {@code spec} reads them (the label column need not exist); {@code
   * probabilities} gets the model and the feature matrix [rows, width] and returns a new array
   * [rows, classes], released after use. The model is used from the thread that delivers the
   * batches; {@link #MODEL_VERSION} is 0. The output can be served with {@link FlightBatchServer}
   * or written with {@link PredictionSink}.
   *
   * @param spec which columns are the features
   * @param model the model
   * @param probabilities computes the per-class values, e.g. {@code MlpClassifier::predict}
   * @param <M> the model type
   * @return the operator
   */
  public static <M> Function<Flux<ArrowBatch>, Flux<ArrowBatch>> predict(
      FeatureSpec spec, M model, BiFunction<? super M, INDArray, INDArray> probabilities) {
    Objects.requireNonNull(model, "model");
    return predict(spec, Mono.just(new ModelVersion<>(0, 0, model)), probabilities);
  }

  /**
   * Like {@link #predict(FeatureSpec, Object, BiFunction)}, with the latest of a stream of model
   * versions (such as {@link io.solstice.reactive.ModelPublisher#versions()} of a run in
   * progress): the batches are subscribed once the first version has arrived, and a newer
   * version is used from the next batch on, so each batch is predicted by exactly one version,
   * recorded in {@link #MODEL_VERSION}. After the versions end (the run is over), the last one
   * stays in use. When a version is already there at subscription (a fixed model, or versions
   * that replay their latest), the batches are subscribed at once on the subscriber's thread;
   * otherwise on a worker of their own once the first arrives, not on the thread that delivers
   * the versions, which stays free to deliver the next ones. When the flux is cancelled,
   * or the versions fail or end, before the first version, the batches are subscribed and
   * cancelled at once (a {@link #broadcast} branch is released rather than waited for).
   *
   * @param spec which columns are the features
   * @param versions the model versions; each must be usable from the predicting thread
   * @param probabilities computes the per-class values, e.g. {@code MlpClassifier::predict}
   * @param <M> the model type
   * @return the operator
   */
  public static <M> Function<Flux<ArrowBatch>, Flux<ArrowBatch>> predict(
      FeatureSpec spec, Publisher<ModelVersion<M>> versions, BiFunction<? super M, INDArray, INDArray> probabilities) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(versions, "versions");
    Objects.requireNonNull(probabilities, "probabilities");
    return batches -> BatchPrediction.apply(batches, spec, versions, probabilities);
  }

  /**
   * Evaluates each batch with the latest model version, live: the batch becomes tensors ({@link
   * FeatureSpec#toTensors}) and goes through that version's {@code evalStep}; each result says
   * which version produced it. Versions switch between batches, as for {@link #predict}.
   *
   * @param spec the features and labels
   * @param versions the model versions, e.g. {@link io.solstice.reactive.ModelPublisher#versions()}
   * @param <E> the experiment type
   * @param <O> the step-output type
   * @return the operator
   */
  public static <E extends Experiment<E, ? super ArrowTensorBatch, O>, O>
      Function<Flux<ArrowBatch>, Flux<ModelEvaluation<O>>> evaluate(
          FeatureSpec spec, Publisher<ModelVersion<E>> versions) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(versions, "versions");
    return batches -> LiveEvaluation.apply(batches, spec, versions);
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
    }
  }
}
