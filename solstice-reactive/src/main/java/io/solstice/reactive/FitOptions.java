package io.solstice.reactive;

import java.util.Objects;

/**
 * How an online {@link Solstice#fit} runs: the engine settings of {@link TrainOptions} (where
 * validation and checkpoints have a cadence in steps, since an unbounded source has no
 * epochs) plus prequential evaluation. Immutable; build with {@link #builder()}.
 */
public final class FitOptions {

  private static final FitOptions DEFAULTS = builder().build();

  private final TrainOptions engine;
  private final boolean prequential;
  private final int windowSize;
  private final double fadingFactor;

  private FitOptions(Builder b) {
    this.engine = b.engine;
    this.prequential = b.prequential;
    this.windowSize = b.windowSize;
    this.fadingFactor = b.fadingFactor;
  }

  /**
   * Default options: no validation, no prequential evaluation, prefetch 4.
   *
   * @return the defaults
   */
  public static FitOptions defaults() {
    return DEFAULTS;
  }

  /**
   * A builder with every setting at its default.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The engine settings. Epoch cadence is ignored by {@code fit}: it runs a single epoch.
   *
   * @return the engine settings
   */
  public TrainOptions engine() {
    return engine;
  }

  /**
   * Whether each train batch is evaluated before it is trained on.
   *
   * @return true for prequential evaluation
   */
  public boolean prequential() {
    return prequential;
  }

  /**
   * The sliding window of prequential evaluation, in batches.
   *
   * @return the window size
   */
  public int windowSize() {
    return windowSize;
  }

  /**
   * The fading factor of prequential evaluation.
   *
   * @return alpha, in (0, 1]
   */
  public double fadingFactor() {
    return fadingFactor;
  }

  /** Builds {@link FitOptions}. */
  public static final class Builder {
    private TrainOptions engine = TrainOptions.builder().validateEveryEpochs(0).build();
    private boolean prequential;
    private int windowSize = 100;
    private double fadingFactor = 0.99;

    private Builder() {}

    /**
     * The engine settings: prefetch, threads, observers, {@code validateEverySteps},
     * {@code checkpointEvery}, {@code maxSteps}, {@code maxTime}, {@code resumeFrom}.
     *
     * @param engine the settings
     * @return this builder
     */
    public Builder engine(TrainOptions engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * Evaluates each train batch with {@code evalStep} before training on it and reports the
     * metrics cumulative, over a sliding window and with a fading factor in
     * {@link StepResult#prequential()}. The step outputs must be
     * {@link io.solstice.core.metrics.Metrics}.
     *
     * @param windowSize the sliding window in batches, at least 1
     * @param fadingFactor alpha in (0, 1]
     * @return this builder
     */
    public Builder prequential(int windowSize, double fadingFactor) {
      Prequential.validate(windowSize, fadingFactor);
      this.prequential = true;
      this.windowSize = windowSize;
      this.fadingFactor = fadingFactor;
      return this;
    }

    /**
     * Builds the options.
     *
     * @return the options
     */
    public FitOptions build() {
      return new FitOptions(this);
    }
  }
}
