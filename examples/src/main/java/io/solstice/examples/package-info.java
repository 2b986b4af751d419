/**
 * Runnable end-to-end programs on Solstice and the {@code solstice} command line that runs
 * them ({@link io.solstice.examples.SolsticeCli}): {@code digits} (the first job to run),
 * {@code train} (a user's table: Arrow IPC, Parquet, CSV or JSON lines; classification or
 * regression), {@code stream} (online training
 * over Arrow Flight with a drift) and {@code resume} (continue from a checkpoint).
 */
package io.solstice.examples;
