/**
 * Small in-memory data sets for examples, tests and benchmarks, such as
 * {@link io.solstice.core.data.DigitsDataset}.
 */
package io.solstice.core.data;
