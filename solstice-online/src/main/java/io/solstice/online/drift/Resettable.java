package io.solstice.online.drift;

import io.solstice.core.Checkpointable;
import io.solstice.core.Experiment;
import io.solstice.core.NamedArrays;
import io.solstice.core.RowEvaluation;
import io.solstice.core.Step;
import io.solstice.online.linear.Adaptable;
import java.util.Objects;

/**
 * Any checkpointable experiment, made resettable: it keeps a snapshot of the experiment's state
 * (taken when wrapped, or later with {@link #keep()}) and {@link #reset()} goes back to it, so a
 * {@link Reaction#reset()} can throw away what was learned since, whatever the model. The engine
 * trains this wrapper; it passes each step to the experiment it holds and continues with the
 * experiment that step returns, so experiments that update in place and those that return a new
 * instance both work.
 *
 * <pre>{@code
 * Resettable<MlpClassifier, TensorBatch, ClassificationMetrics> model = Resettable.of(mlp);
 * Solstice.run(model).train(batches)
 *     .subscribers(DriftReaction.of(new Adwin(), DriftReaction.errorRate(), Reaction.reset()))
 *     .block();
 * }</pre>
 *
 * <p>The snapshot is a copy ({@link NamedArrays#copy()}), so an experiment that updates its arrays
 * in place does not change it. A reset rebuilds the experiment with {@link Checkpointable#withState},
 * which copies again: the snapshot serves every later reset. {@link #state()} holds both the
 * experiment's state ({@code model/...}) and the snapshot ({@code kept/...}), so a run resumed from
 * a checkpoint resets to the same snapshot. It implements {@link Adaptable} whatever it wraps and
 * passes {@code forget} and {@code boostLearningRate} on to an experiment that is adaptable; on
 * one that is not (an MLP) they throw {@link UnsupportedOperationException}, so check {@link
 * #current()} rather than this wrapper with {@code instanceof}. It is a {@link RowEvaluation} when
 * the experiment is (a prequential run then gets the per-row errors through it).
 *
 * <p>Not thread-safe: the engine drives it, and the reactions change it, on the training thread.
 *
 * @param <E> the experiment type
 * @param <B> the batch type
 * @param <O> the step-output type
 */
public sealed class Resettable<E extends Experiment<E, B, O> & Checkpointable<E>, B, O>
    implements Experiment<Resettable<E, B, O>, B, O>, Checkpointable<Resettable<E, B, O>>, Adaptable
    permits Resettable.RowEvaluating {
  private static final String MODEL = "model";
  private static final String KEPT = "kept";

  private E current;
  private NamedArrays kept;
  private long resets;

  private Resettable(E current, NamedArrays kept) {
    this.current = Objects.requireNonNull(current, "experiment");
    this.kept = kept;
  }

  /**
   * Wraps an experiment and keeps its state now (for a fresh model: its initial weights).
   *
   * @param experiment the experiment
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the wrapper
   */
  public static <E extends Experiment<E, B, O> & Checkpointable<E>, B, O> Resettable<E, B, O> of(E experiment) {
    return wrap(experiment, experiment.state().copy());
  }

  // A wrapper evaluates row by row exactly when its experiment does, so that a prequential run
  // sees the same per-row errors through it.
  private static <E extends Experiment<E, B, O> & Checkpointable<E>, B, O> Resettable<E, B, O> wrap(
      E experiment, NamedArrays kept) {
    return experiment instanceof RowEvaluation<?, ?>
        ? new RowEvaluating<>(experiment, kept)
        : new Resettable<>(experiment, kept);
  }

  /**
   * The experiment trained now.
   *
   * @return it
   */
  public E current() {
    return current;
  }

  /** Keeps the experiment's state now: later resets come back to it. */
  public void keep() {
    kept = current.state().copy();
  }

  /** Goes back to the kept state: the experiment forgets everything learned since it was kept. */
  public void reset() {
    current = current.withState(kept);
    resets++;
  }

  /**
   * The resets done so far (not carried by {@link #state()}: a count of this process's).
   *
   * @return the count
   */
  public long resets() {
    return resets;
  }

  @Override
  public Step<Resettable<E, B, O>, O> trainStep(B batch) {
    Step<E, O> step = current.trainStep(batch);
    current = step.experiment();
    return Step.of(this, step.outputs());
  }

  @Override
  public Step<Resettable<E, B, O>, O> evalStep(B batch) {
    Step<E, O> step = current.evalStep(batch);
    current = step.experiment();
    return Step.of(this, step.outputs());
  }

  @Override
  public void forget() {
    adaptable("forget").forget();
  }

  @Override
  public void boostLearningRate(double factor, long updates) {
    adaptable("boostLearningRate").boostLearningRate(factor, updates);
  }

  private Adaptable adaptable(String what) {
    if (current instanceof Adaptable adaptable) {
      return adaptable;
    }
    throw new UnsupportedOperationException(
        what + " needs an Adaptable model (the online linear models); " + current.getClass().getSimpleName()
            + " is not: reset it instead");
  }

  /** The experiment's state under {@code model/}, the kept snapshot under {@code kept/}. */
  @Override
  public NamedArrays state() {
    return NamedArrays.builder().putAll(MODEL, current.state()).putAll(KEPT, kept).build();
  }

  @Override
  public Resettable<E, B, O> withState(NamedArrays state) {
    NamedArrays snapshot = state.scope(KEPT);
    if (snapshot.size() == 0) {
      throw new IllegalArgumentException("no 'kept/' arrays: not a state of a Resettable");
    }
    return wrap(current.withState(state.scope(MODEL)), snapshot.copy());
  }

  /** The wrapper of an experiment that evaluates row by row: it passes the evaluation on. */
  static final class RowEvaluating<E extends Experiment<E, B, O> & Checkpointable<E>, B, O>
      extends Resettable<E, B, O> implements RowEvaluation<B, O> {
    private RowEvaluating(E current, NamedArrays kept) {
      super(current, kept);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Rows<O> evaluateRows(B batch) {
      return ((RowEvaluation<B, O>) current()).evaluateRows(batch);
    }
  }
}
