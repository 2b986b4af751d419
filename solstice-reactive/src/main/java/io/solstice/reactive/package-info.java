/**
 * The Solstice engine on Project Reactor: {@link io.solstice.reactive.Solstice#run} makes a
 * {@link io.solstice.reactive.Run}, an immutable specification of a training, online or test
 * run whose {@link io.solstice.reactive.TrainingEvent}s are a public stream with synchronous
 * and asynchronous subscribers. The Javadoc of {@code Solstice} is the engine's contract (event
 * order, step numbering, early stopping, errors, quiescent termination, cancellation, threads,
 * batch ownership). Everything under {@code internal} may change without notice.
 */
package io.solstice.reactive;
