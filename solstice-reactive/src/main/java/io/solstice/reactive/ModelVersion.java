package io.solstice.reactive;

import java.util.Objects;

/**
 * One published version of a model being trained: a copy that training no longer touches, with
 * the number of the version and the train step it was taken at. Published by {@link
 * ModelPublisher}; followed by predictors that switch to a newer version between batches.
 *
 * <p>Thread safety: a record; the model inside is its holder's alone, used from one thread at a
 * time unless the model type says otherwise.
 *
 * @param version the version number: from 1, increasing by 1 with each publication of a {@link
 *     ModelPublisher}; 0 for a model given once (as to a predictor)
 * @param step the train steps done when the copy was taken (0 for the model a run starts from)
 * @param model the copy; its holder may use it freely (it is nobody else's)
 * @param <M> the model type
 */
public record ModelVersion<M>(long version, long step, M model) {

  /** Validates the fields. */
  public ModelVersion {
    if (version < 0 || step < 0) {
      throw new IllegalArgumentException("version and step must be >= 0, got version=" + version + ", step=" + step);
    }
    Objects.requireNonNull(model, "model");
  }
}
