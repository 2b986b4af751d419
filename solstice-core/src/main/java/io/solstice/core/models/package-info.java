/**
 * Ready-made experiments: {@link io.solstice.core.models.MlpClassifier}, a hand-written ND4J
 * multi-layer perceptron that allocates nothing per step once warm, and
 * {@link io.solstice.core.models.SameDiffExperiment}, which runs any SameDiff classifier
 * graph. DL4J networks run through the optional {@code solstice-dl4j} module.
 */
package io.solstice.core.models;
