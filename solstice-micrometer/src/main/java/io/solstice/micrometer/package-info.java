/**
 * Observability of Solstice runs, built on their event stream: {@link
 * io.solstice.micrometer.RunMeters} (Micrometer meters recorded by a synchronous subscriber),
 * {@link io.solstice.micrometer.PrometheusEndpoint} ({@code /metrics} for Prometheus) and {@link
 * io.solstice.micrometer.Dashboard} (a live HTML page fed by Server-Sent Events). Both servers
 * are Reactor Netty on loopback.
 */
package io.solstice.micrometer;
