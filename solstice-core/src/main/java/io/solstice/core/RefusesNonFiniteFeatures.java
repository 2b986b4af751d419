package io.solstice.core;

/**
 * An experiment that checks a batch's features for NaN and infinity itself: its {@link
 * Experiment#trainStep}, {@link Experiment#evalStep} and {@link RowEvaluation#evaluateRows} throw
 * {@link NonFiniteFeaturesException} for such a batch, before they change anything (parameters,
 * optimizer state, random-number counters).
 *
 * <p>The engine leaves its own scan of the features out for such an experiment and applies its
 * non-finite policy to the refusal instead. The scan reads the whole batch before the step, from
 * memory when the batch is not in the caches (about 2% of a 784-256-10 step at batch 128 on two
 * cores); an experiment whose first operation reads every feature anyway can check its result for
 * nearly nothing. {@code MlpClassifier} and {@code MlpRegressor} check their first layer's output
 * before its activation: a NaN or an infinity among a row's features makes that row's every
 * output NaN or infinite (a product with it is not finite, whatever the weight, and a sum with a
 * term that is not finite is not finite either).
 *
 * <p>What differs for the run's events: the engine's own scan refuses a batch before {@code
 * StepStarted}; an experiment refuses it inside the step, so its {@code StepStarted} has been
 * delivered, and no {@code StepEnded} follows, as for a step refused for its loss.
 */
public interface RefusesNonFiniteFeatures {}
