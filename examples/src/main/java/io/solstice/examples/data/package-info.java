/**
 * Data for the examples: writing labelled Arrow IPC files, detecting a table's format,
 * surveying its columns and classes, and holding out batches for validation and test.
 */
package io.solstice.examples.data;
