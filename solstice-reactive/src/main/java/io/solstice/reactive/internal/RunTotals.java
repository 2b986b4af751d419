package io.solstice.reactive.internal;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.io.Json;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.metrics.MetricsState;
import io.solstice.reactive.Prequential;
import io.solstice.reactive.PrequentialMetrics;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run sums as it goes: the merge of each epoch's step outputs by mode, which becomes the
 * epoch's {@code EpochEnded} metrics, and the prequential evaluation. Each step's outputs are
 * merged once, here, for every subscriber.
 *
 * <p>A checkpoint saves these totals in its position's engine state ({@link #save}), and a run
 * resumed from that position starts from them: the train merge of the epoch it resumes in, and
 * the prequential figures. Only metrics that {@link MetricsState} can save are carried; others
 * start over at a resume, as the log says once per run.
 *
 * <p>Not thread-safe: the training thread uses it.
 */
final class RunTotals {

  private static final Logger LOG = LoggerFactory.getLogger("solstice");
  private static final String TRAIN = "train";
  private static final String PREQUENTIAL = "prequential";

  /** One mode's epoch: its step count and merged outputs (null unless the outputs are Metrics). */
  private record Total(long steps, Object merged) {
    static final Total NONE = new Total(0, null);

    @SuppressWarnings({"unchecked", "rawtypes"})
    Total add(Object outputs) {
      if (!(outputs instanceof Metrics metrics)) {
        return new Total(steps + 1, merged);
      }
      if (merged != null && merged.getClass() != metrics.getClass()) {
        // Reached by a run resumed with a checkpoint of another experiment: say so, instead of
        // the ClassCastException the merge would throw.
        throw new IllegalStateException("a step returned " + metrics.getClass().getName()
            + ", which cannot merge into the epoch's " + merged.getClass().getName()
            + " (restored from a checkpoint of another kind of experiment?)");
      }
      return new Total(steps + 1, merged == null ? metrics : ((Metrics) merged).merge(metrics));
    }
  }

  private final Map<Mode, Total> totals = new EnumMap<>(Mode.class);
  @SuppressWarnings("rawtypes")
  private final Prequential prequential;
  /** The saved train total, until the epoch it belongs to starts. */
  private Map<String, Object> resumedTrain;
  private boolean unsavableLogged;

  /**
   * Totals for a run starting at this position.
   *
   * @param start where the run starts, with the totals a checkpoint saved (or none)
   * @param prequential the run's prequential accumulator, or null
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  RunTotals(RunPosition start, Prequential prequential) {
    this.prequential = prequential;
    Object train = start.engineState().get(TRAIN);
    if (train instanceof Map saved && start.batchesIntoEpoch() > 0
        && Json.toLong(saved.get("epoch")) == start.epoch()) {
      resumedTrain = saved;
    }
    Object evaluated = start.engineState().get(PREQUENTIAL);
    if (prequential != null && evaluated instanceof Map saved) {
      prequential.restoreState(saved);
    }
  }

  /**
   * An epoch of this mode starts: its merge starts empty, or where a resumed run left it (the
   * first train epoch of a resumed run is the one its position is in, which the constructor
   * matched the saved total against).
   */
  void startEpoch(Mode mode, int epoch) {
    Total start = Total.NONE;
    if (mode == Mode.TRAIN && resumedTrain != null) {
      start = restored(resumedTrain);
      resumedTrain = null;
    }
    totals.put(mode, start);
  }

  @SuppressWarnings("unchecked")
  private static Total restored(Map<String, Object> saved) {
    Object merged = saved.get("merged");
    return new Total(Json.toLong(saved.get("steps")),
        merged == null ? null : MetricsState.restore((Map<String, Object>) merged));
  }

  /** Merges one step's outputs into its epoch's total. */
  void add(Mode mode, Object outputs) {
    totals.put(mode, totals.getOrDefault(mode, Total.NONE).add(outputs));
  }

  /** The steps of the current epoch of this mode. */
  long steps(Mode mode) {
    return totals.getOrDefault(mode, Total.NONE).steps();
  }

  /** The merged outputs of the current epoch of this mode, or null when they are not Metrics. */
  Object merged(Mode mode) {
    return totals.getOrDefault(mode, Total.NONE).merged();
  }

  /** Whether the run evaluates prequentially. */
  boolean prequential() {
    return prequential != null;
  }

  /** Adds a batch's prequential evaluation. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  PrequentialMetrics<?> recordPrequential(Metrics evaluated, double[] rowErrors) {
    return prequential.accept(evaluated, rowErrors);
  }

  /**
   * The totals a checkpoint at this position saves: the train merge when the position is inside
   * an epoch (one at an epoch's start has none to carry), and the prequential figures.
   *
   * @param at the position being saved, which the totals must have reached
   * @return a JSON-compatible map, empty when nothing is carried
   */
  Map<String, Object> save(RunPosition at) {
    Map<String, Object> saved = new LinkedHashMap<>();
    Total train = totals.get(Mode.TRAIN);
    if (at.batchesIntoEpoch() > 0 && train == null && resumedTrain != null) {
      saved.put(TRAIN, resumedTrain); // the run resumed and has not started its epoch yet
    } else if (at.batchesIntoEpoch() > 0 && train != null) {
      Map<String, Object> merged =
          train.merged() == null ? null : MetricsState.save((Metrics<?>) train.merged());
      if (train.merged() != null && merged == null) {
        logUnsavable(train.merged().getClass().getName());
      } else {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("epoch", at.epoch());
        state.put("steps", train.steps());
        if (merged != null) {
          state.put("merged", merged);
        }
        saved.put(TRAIN, state);
      }
    }
    if (prequential != null) {
      Map<String, Object> evaluated = prequential.saveState();
      if (evaluated == null) {
        logUnsavable("the prequential evaluation's metrics type");
      } else if (!evaluated.isEmpty()) {
        saved.put(PREQUENTIAL, evaluated);
      }
    }
    return saved;
  }

  private void logUnsavable(String type) {
    if (!unsavableLogged) {
      unsavableLogged = true;
      LOG.warn("checkpoints of this run do not carry its running metrics ({} has no saved form; "
          + "implement SavableMetrics to give it one): a run resumed from one starts them over", type);
    }
  }
}
