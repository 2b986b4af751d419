package io.solstice.examples.stream;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The end of a {@code solstice stream} run: how it stopped, the synthetic server's lead, the
 * recovery from the synthetic stream's drift, and a table of the rows trained, the prequential
 * accuracy, the drifts detected (with their rows) and the reactions applied.
 *
 * @param result how the run went
 * @param settings its settings
 * @param watch its detector and reaction
 */
record RunSummary(OnlineRun.Result result, OnlineRun.Settings settings, DriftWatch watch) {
  /** Drift rows listed in full up to this many; more are elided in the middle. */
  private static final int LISTED = 12;

  void print(PrintStream out, boolean synthetic) {
    String ended = result.cancelled() ? "Stopped" : "Done";
    if (synthetic) {
      out.printf(Locale.ROOT, "%s after %d steps; the server was at most %d batches (%d KiB) ahead of the trainer: "
          + "backpressure bounds it by bytes in flight (the Flight send buffer and HTTP/2 window, plus the engine's "
          + "prefetch), however fast the source%n", ended, result.steps(), result.maxLead(),
          result.maxLeadBytes() / 1024);
      printRecovery(out, result.drift());
    } else {
      out.printf(Locale.ROOT, "%s after %d steps%s%n", ended, result.steps(),
          result.steps() < settings.steps() && !result.cancelled() ? " (the stream ended)" : "");
    }
    out.println("Summary");
    row(out, "rows", Long.toString(result.rows()));
    row(out, "train steps", Long.toString(result.steps()));
    row(out, "prequential accuracy", String.format(Locale.ROOT, "%.4f cumulative, %.4f over the last %d batches",
        result.cumulativeAccuracy(), result.windowAccuracy(), settings.window()));
    if (watch.active()) {
      List<DriftWatch.Drift> drifts = result.drifts();
      row(out, "drifts detected", drifts.size() + " by " + watch.detector().option()
          + (drifts.isEmpty() ? "" : ", at rows " + rows(drifts)));
      long reactions = watch.onDrift() == DriftWatch.OnDrift.ALERT ? 0 : drifts.size();
      row(out, "reactions applied", reactions + (watch.onDrift() == DriftWatch.OnDrift.ALERT ? " (alert only)"
          : " (" + watch.describeReaction() + ")"));
    } else {
      row(out, "drifts detected", "no detector (--detector)");
    }
    if (synthetic && settings.driftAt() < result.steps()) {
      DriftRecovery drift = result.drift();
      row(out, "steps to recover", drift.recoveredAt() >= 0 ? Long.toString(drift.recoveredAt() - drift.driftAt())
          : "not yet");
    }
  }

  private static void printRecovery(PrintStream out, DriftRecovery drift) {
    if (Double.isNaN(drift.lowest())) {
      out.println("The run ended before the drift.");
    } else if (drift.recoveredAt() >= 0) {
      out.printf(Locale.ROOT, "Drift at step %d: window accuracy %.4f before, fell to %.4f, recovered at step %d "
          + "(%d steps later)%n", drift.driftAt(), drift.before(), drift.lowest(), drift.recoveredAt(),
          drift.recoveredAt() - drift.driftAt());
    } else {
      out.printf(Locale.ROOT, "Drift at step %d: window accuracy %.4f before, fell to %.4f, not yet recovered%n",
          drift.driftAt(), drift.before(), drift.lowest());
    }
  }

  private static String rows(List<DriftWatch.Drift> drifts) {
    if (drifts.size() <= LISTED) {
      return drifts.stream().map(d -> Long.toString(d.row())).collect(Collectors.joining(", "));
    }
    String first = drifts.subList(0, LISTED - 2).stream().map(d -> Long.toString(d.row()))
        .collect(Collectors.joining(", "));
    return first + ", ... (" + (drifts.size() - LISTED + 1) + " more), " + drifts.get(drifts.size() - 1).row();
  }

  private static void row(PrintStream out, String name, String value) {
    out.printf(Locale.ROOT, "  %-22s %s%n", name, value);
  }
}
