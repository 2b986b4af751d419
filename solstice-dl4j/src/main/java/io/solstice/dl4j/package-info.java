/**
 * DL4J networks as Solstice experiments: {@link io.solstice.dl4j.Dl4jExperiment} wraps a
 * {@code MultiLayerNetwork} or a {@code ComputationGraph}. An optional module, so that users of
 * the core never pull DL4J.
 */
package io.solstice.dl4j;
