package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.ChildJvm;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.MachineInfo;
import io.solstice.benchmarks.internal.PacedRun;
import io.solstice.benchmarks.internal.Summary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What OpenBLAS's idle threads cost a run paced by its source. After each parallel gemm,
 * OpenBLAS's worker threads spin (calling {@code sched_yield}) for 2^{@code
 * OPENBLAS_THREAD_TIMEOUT} clock cycles before they sleep: 2^28 by default, about 0.1 s on the
 * benchmark machine, longer than the pause between the steps of a run whose batches arrive every
 * few milliseconds. So at {@code OMP_NUM_THREADS=2} such a run keeps a second core busy while it
 * waits. This benchmark runs {@link PacedRun} (784-256-10, batch 128, a batch every 5 ms) with
 * OpenBLAS's default (28), with 19 (2^19 cycles, about 0.2 ms; what the launchers set) and with
 * 16 (about 25 us; their setting before), each setting in a JVM of its own and the settings
 * alternated over the rounds, whatever the harness's own environment says, and reports the
 * process's CPU time per step and the engine's step time, each the median over rounds, and
 * their ratios to OpenBLAS's default.
 */
public final class IdleWaitBenchmark {

  /** OpenBLAS's built-in spin: 2^28 cycles. */
  private static final String DEFAULT_TIMEOUT = "28";
  /** The default, then the shorter spins compared with it: the launchers' and their earlier one. */
  private static final List<String> TIMEOUTS = List.of(DEFAULT_TIMEOUT, "19", "16");
  private static final int INTERVAL_MILLIS = 5;

  private IdleWaitBenchmark() {}

  /**
   * Runs the comparison.
   *
   * @param config rounds, rows per epoch, warm-up
   * @return {@code paced_cpu_per_step_thread_timeout_19_vs_28}, {@code
   *     paced_step_time_thread_timeout_19_vs_28}, the same for 16, and each setting's figures per
   *     round
   */
  public static Json.Obj run(BenchConfig config) {
    int steps = 20 * config.pairs();
    List<String> args = List.of(String.valueOf(config.trainRows()),
        String.valueOf(config.warmupPairs()), String.valueOf(steps), String.valueOf(INTERVAL_MILLIS));
    Map<String, List<Json.Obj>> byTimeout = new LinkedHashMap<>();
    for (int round = 0; round < config.processRounds(); round++) {
      for (String timeout : TIMEOUTS) {
        System.err.printf("  round %d: a paced run with OPENBLAS_THREAD_TIMEOUT=%s%n", round + 1, timeout);
        Json.Obj run = ChildJvm.run(PacedRun.class, args,
            Map.of(MachineInfo.OPENBLAS_THREAD_TIMEOUT, timeout), System.err);
        if (!timeout.equals(run.get("openblas_thread_timeout"))) {
          throw new IllegalStateException("the paced run saw OPENBLAS_THREAD_TIMEOUT="
              + run.get("openblas_thread_timeout") + ", not " + timeout);
        }
        byTimeout.computeIfAbsent(timeout, k -> new ArrayList<>()).add(run);
      }
    }
    Json.Obj out = Json.obj()
        .put("model", "MlpClassifier 784-256-10, Adam(1e-3), float32, batch 128")
        .put("source", "Flux.interval(" + INTERVAL_MILLIS + " ms), one batch per tick")
        .put("steps_per_run", steps)
        .put("rounds", config.processRounds());
    Map<String, double[]> cpuPerStep = new LinkedHashMap<>();
    Map<String, double[]> stepTime = new LinkedHashMap<>();
    for (Map.Entry<String, List<Json.Obj>> setting : byTimeout.entrySet()) {
      List<Json.Obj> runs = setting.getValue();
      double[] cpu = new double[runs.size()];
      double[] cores = new double[runs.size()];
      double[] step = new double[runs.size()];
      for (int i = 0; i < runs.size(); i++) {
        cpu[i] = number(runs.get(i), "cpu_ms_per_step");
        cores[i] = number(runs.get(i), "cpu_cores");
        step[i] = number((Json.Obj) runs.get(i).get("step_ms"), "median");
      }
      cpuPerStep.put(setting.getKey(), cpu);
      stepTime.put(setting.getKey(), step);
      out.put("thread_timeout_" + setting.getKey(), Json.obj()
          .put("cpu_ms_per_step", Summary.of(cpu).toJson())
          .put("cpu_cores", Summary.of(cores).toJson())
          .put("step_ms_median", Summary.of(step).toJson())
          .put("cpu_ms_per_step_per_round", Json.array(cpu))
          .put("step_ms_median_per_round", Json.array(step)));
    }
    for (String timeout : TIMEOUTS.subList(1, TIMEOUTS.size())) {
      String vsDefault = "thread_timeout_" + timeout + "_vs_" + DEFAULT_TIMEOUT;
      out.put("paced_cpu_per_step_" + vsDefault, ratio(cpuPerStep, timeout))
          .put("paced_step_time_" + vsDefault, ratio(stepTime, timeout));
    }
    return out;
  }

  /** The median over rounds with a shorter spin over that with OpenBLAS's default. */
  private static double ratio(Map<String, double[]> byTimeout, String timeout) {
    return Summary.of(byTimeout.get(timeout)).median()
        / Summary.of(byTimeout.get(DEFAULT_TIMEOUT)).median();
  }

  private static double number(Json.Obj obj, String field) {
    return ((Number) obj.get(field)).doubleValue();
  }
}
