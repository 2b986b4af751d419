/** The command line's Prometheus endpoint and live dashboard (solstice-micrometer). */
package io.solstice.examples.observe;
