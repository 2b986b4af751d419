/**
 * Runnable end-to-end programs on Solstice and the {@code solstice} command line that runs
 * them ({@link io.solstice.examples.SolsticeCli}): {@code digits} (the first job to run),
 * {@code train} (a user's table: Arrow IPC, Parquet, CSV or JSON lines; classification or
 * regression), {@code stream} (online training on a synthetic drifting stream that it serves
 * itself over Arrow Flight) and {@code resume} (continue from a checkpoint);
 * {@link io.solstice.examples.QuickStart}, the README's example; and
 * {@link io.solstice.examples.EventStreamExample}, a run's events composed with Reactor
 * operators (a live feed, a stop rule, a reduced table).
 */
package io.solstice.examples;
