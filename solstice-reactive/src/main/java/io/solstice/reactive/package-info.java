/**
 * The Solstice engine on Project Reactor: {@link io.solstice.reactive.Solstice} trains, tests
 * and fits online; its Javadoc is the engine's contract (hook order, step numbering, early
 * stopping, errors, cancellation, threads, batch ownership). Everything under {@code
 * internal} may change without notice.
 */
package io.solstice.reactive;
