/**
 * The subcommands of {@code solstice}, one small class each, and how they map errors to exit
 * codes: a usage, data or I/O error is one line on stderr and exit code 2, anything else exit
 * code 1.
 */
package io.solstice.examples.cli;
