/**
 * The engine's machinery behind {@link io.solstice.reactive.Solstice}: one {@code Engine} per
 * run, its threads, the per-subscription batch registries and the callback chain. Not an API:
 * it may change without notice.
 */
package io.solstice.reactive.internal;
