package io.solstice.examples.observe;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.solstice.core.Experiment;
import io.solstice.micrometer.Dashboard;
import io.solstice.micrometer.PrometheusEndpoint;
import io.solstice.micrometer.RunMeters;
import io.solstice.reactive.Run;
import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * What watches a command's runs from outside: a Prometheus endpoint of the run's meters and a
 * live dashboard, each optional, each on a loopback port. {@link #attach} adds their subscribers
 * to a run; {@link #close} stops serving.
 */
public final class Observers implements AutoCloseable {

  /** Nothing watches. */
  public static final Observers NONE = new Observers(null, null, null);

  private final RunMeters meters;
  private final PrometheusEndpoint endpoint;
  private final Dashboard dashboard;

  private Observers(RunMeters meters, PrometheusEndpoint endpoint, Dashboard dashboard) {
    this.meters = meters;
    this.endpoint = endpoint;
    this.dashboard = dashboard;
  }

  /**
   * Starts what is asked for and prints where it is served.
   *
   * @param run the value of the meters' {@code run} tag
   * @param metricsPort the Prometheus endpoint's port (0: any free one), or null for none
   * @param dashboardPort the dashboard's port (0: any free one), or null for none
   * @param out where the addresses are printed
   * @return the observers, to close when the command ends
   */
  public static Observers start(String run, Integer metricsPort, Integer dashboardPort, PrintStream out) {
    if (metricsPort == null && dashboardPort == null) {
      return NONE;
    }
    Dashboard dashboard = dashboardPort == null ? null : Dashboard.start(dashboardPort);
    RunMeters meters = null;
    PrometheusEndpoint endpoint = null;
    try {
      if (metricsPort != null) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunMeters.Builder builder = RunMeters.builder(registry, run);
        if (dashboard != null) {
          builder.asyncSubscriber("dashboard", dashboard.subscriber());
        }
        meters = builder.build();
        endpoint = PrometheusEndpoint.start(registry, metricsPort);
        out.println("Prometheus metrics at " + endpoint.uri());
      }
    } catch (RuntimeException e) {
      if (dashboard != null) {
        dashboard.close();
      }
      throw e;
    }
    if (dashboard != null) {
      out.println("Dashboard at " + dashboard.uri());
    }
    return new Observers(meters, endpoint, dashboard);
  }

  /**
   * The run with the meters' and the dashboard's subscribers added.
   *
   * @param run the run
   * @param <E> the experiment type
   * @param <B> the batch type
   * @param <O> the step-output type
   * @return the watched run
   */
  public <E extends Experiment<E, B, O>, B, O> Run<E, B, O> attach(Run<E, B, O> run) {
    Run<E, B, O> watched = run;
    if (meters != null) {
      watched = meters.bind(watched);
    }
    if (dashboard != null) {
      watched = dashboard.bind(watched);
    }
    return watched;
  }

  /**
   * Charts a value the run's events do not carry (a source's lead, say) on the dashboard, if
   * there is one.
   *
   * @param name the series' name
   * @param value reads the value; cheap and thread-safe
   */
  public void gauge(String name, LongSupplier value) {
    if (dashboard != null) {
      dashboard.gauge(name, value);
    }
  }

  /**
   * Marks a train step on the dashboard's charts (a drift, say), if there is a dashboard.
   *
   * @param label what happened
   * @param step the step it happened at
   */
  public void mark(String label, long step) {
    if (dashboard != null) {
      dashboard.mark(label, step);
    }
  }

  @Override
  public void close() {
    try {
      if (endpoint != null) {
        endpoint.close();
      }
    } finally {
      if (dashboard != null) {
        dashboard.close();
      }
    }
  }
}
