/** What a job prints and writes: the per-class report and the JSON run report. */
package io.solstice.examples.report;
