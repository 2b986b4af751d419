/**
 * The engine's machinery behind {@link io.solstice.reactive.Run}: one {@code Engine} per run,
 * its settings, threads, per-subscription batch registries, the event dispatcher and the
 * epoch-metrics operator. Not an API: it may change without notice.
 */
package io.solstice.reactive.internal;
