package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.ChildJvm;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.MachineInfo;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The benchmark harness's command line.
 *
 * <pre>
 * java --add-opens=java.base/java.nio=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar all --json
 * benchmarks/bench all --json          # the same, with OMP_NUM_THREADS=2 and the JVM flags set
 * benchmarks/bench overhead            # one benchmark, human-readable
 * benchmarks/bench all --quick --json  # small sizes: checks the harness, timings mean nothing
 * benchmarks/bench jmh [JMH args]      # the JMH benchmarks, e.g. jmh TrainStepJmh -f 1
 * </pre>
 *
 * <p>Benchmarks: {@code overhead}, {@code dl4j}, {@code ingest}, {@code overlap}, {@code
 * inflight}, {@code steps}, {@code subscribers} (ten synchronous subscribers), {@code async} (a
 * slow asynchronous subscriber), {@code publish} (model publication), {@code manyruns} (a
 * thousand online runs sharing a {@code RunThreadPool}), {@code online} (online learning
 * against MOA), {@code gemm} (train steps against ND4J SGEMM at the steps' shapes), {@code
 * pytorch} (against PyTorch on the CPU; skipped where Python has no torch), {@code idlewait}
 * (what OpenBLAS's spinning idle threads cost a run paced by its source), or {@code all}. Each
 * compares its contenders interleaved (A B A B ..., after a warm-up) and reports medians,
 * min-max and the median of the pair ratios. When
 * several run, each gets a JVM of its own (same flags), unless {@code --in-process} is given.
 * Progress goes to stderr; the report (text, or one JSON object with {@code --json}) to stdout.
 */
public final class Bench {

  private static final Map<String, Function<BenchConfig, Json.Obj>> BENCHMARKS =
      new LinkedHashMap<>();

  static {
    BENCHMARKS.put("overhead", TrainOverhead::run);
    BENCHMARKS.put("dl4j", Dl4jComparison::run);
    BENCHMARKS.put("ingest", IngestBenchmark::run);
    BENCHMARKS.put("overlap", OverlapBenchmark::run);
    BENCHMARKS.put("inflight", InflightBenchmark::run);
    BENCHMARKS.put("steps", SmallMlpSteps::run);
    BENCHMARKS.put("subscribers", SubscriberCost::synchronous);
    BENCHMARKS.put("async", SubscriberCost::slowAsynchronous);
    BENCHMARKS.put("publish", PublishOverhead::run);
    BENCHMARKS.put("manyruns", ManyRunsBenchmark::run);
    BENCHMARKS.put("online", OnlineThroughput::run);
    BENCHMARKS.put("gemm", StepEfficiency::run);
    BENCHMARKS.put("pytorch", PytorchComparison::run);
    BENCHMARKS.put("idlewait", IdleWaitBenchmark::run);
  }

  /** The headline fields, with their targets (null: report only). */
  private static final List<Target> TARGETS = List.of(
      new Target("overhead", "overhead_vs_raw_nd4j", ">=", 0.97),
      new Target("dl4j", "speedup_vs_dl4j", ">=", 2.0),
      new Target("dl4j", "accuracy_solstice", null, 0),
      new Target("dl4j", "accuracy_dl4j", null, 0),
      new Target("ingest", "ingest_vs_memcpy", ">=", 0.8),
      new Target("ingest", "ingest_speedup_vs_datavec", null, 0),
      new Target("overlap", "overlap_efficiency", ">=", 0.9),
      new Target("inflight", "inflight_batches_max", "<=P+2", 0),
      new Target("inflight", "prefetch", null, 0),
      new Target("steps", "steps_per_second_mlp_784_300_100_10_b32", null, 0),
      new Target("subscribers", "ten_sync_subscribers_vs_none", ">=", 0.97),
      new Target("subscribers", "ten_sync_subscribers_vs_none_cpu", null, 0),
      new Target("async", "slow_async_subscriber_vs_none", ">=", 0.95),
      new Target("async", "slow_async_subscriber_vs_none_cpu", null, 0),
      new Target("async", "slow_async_subscriber_dropped_per_run", null, 0),
      new Target("publish", "publish_every_10_vs_none", ">=", 0.95),
      new Target("publish", "publish_every_10_with_subscriber_vs_none", null, 0),
      new Target("manyruns", "many_runs_threads", "<=", Runtime.getRuntime().availableProcessors() + 8),
      new Target("manyruns", "many_runs_vs_alone_times_step_threads", null, 0),
      new Target("manyruns", "many_runs_max_over_min_steps", null, 0),
      new Target("manyruns", "many_runs_heap_bytes_per_idle_run", null, 0),
      new Target("online", "online_logreg_vs_moa_sgd_sea", ">=", 1.0),
      new Target("online", "online_logreg_vs_moa_sgd_sea_cpu", null, 0),
      new Target("online", "online_accuracy_gain_vs_moa_sgd_sea", ">=", 0),
      new Target("online", "online_rows_per_s_solstice_sea", null, 0),
      new Target("online", "online_rows_per_s_moa_sgd_sea", null, 0),
      new Target("online", "online_accuracy_solstice_sea", null, 0),
      new Target("online", "online_accuracy_moa_sgd_sea", null, 0),
      new Target("online", "online_logreg_vs_moa_sgd_hyperplane", ">=", 1.0),
      new Target("online", "online_logreg_vs_moa_sgd_hyperplane_cpu", null, 0),
      new Target("online", "online_accuracy_gain_vs_moa_sgd_hyperplane", ">=", 0),
      new Target("online", "online_accuracy_solstice_hyperplane", null, 0),
      new Target("online", "online_accuracy_moa_sgd_hyperplane", null, 0),
      new Target("online", "engine_fixed_cost_us_per_step", null, 0),
      new Target("online", "engine_cost_us_per_batch_vs_plain_loop", null, 0),
      new Target("online", "engine_cost_cpu_us_per_batch_vs_plain_loop", null, 0),
      new Target("gemm", "step_flops_vs_sgemm_784_256_10_b128", ">=", 0.7),
      new Target("gemm", "step_flops_vs_sgemm_784_300_100_10_b32", ">=", 0.7),
      new Target("gemm", "sgemm_gflops_256", null, 0),
      new Target("gemm", "sgemm_gflops_1024", null, 0),
      new Target("pytorch", "vs_pytorch_cpu_784_256_10_b128", ">=", 1.1),
      new Target("pytorch", "vs_pytorch_cpu_784_300_100_10_b32", ">=", 1.1),
      new Target("idlewait", "paced_cpu_per_step_thread_timeout_19_vs_28", null, 0),
      new Target("idlewait", "paced_step_time_thread_timeout_19_vs_28", null, 0),
      new Target("idlewait", "paced_cpu_per_step_thread_timeout_16_vs_28", null, 0),
      new Target("idlewait", "paced_step_time_thread_timeout_16_vs_28", null, 0));

  private Bench() {}

  /**
   * Runs the harness.
   *
   * @param args a benchmark name (or {@code all}, or {@code jmh} followed by JMH's arguments),
   *     then {@code --json} and/or {@code --quick}
   * @throws Exception when JMH fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("jmh")) {
      String[] rest = new String[args.length - 1];
      System.arraycopy(args, 1, rest, 0, rest.length);
      org.openjdk.jmh.Main.main(rest);
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    Json.Obj report = run(options, System.err);
    System.out.println(options.json ? report.toString() : text(report));
  }

  /**
   * Runs the selected benchmarks and builds the report.
   *
   * @param options what to run and how big
   * @param progress where progress lines go
   * @return the report: machine, headline fields, targets, details
   */
  public static Json.Obj run(Options options, PrintStream progress) {
    long start = System.nanoTime();
    String omp = MachineInfo.ompThreads();
    progress.println(omp == null
        ? "OMP_NUM_THREADS is not set: ND4J will use every core. Set it (benchmarks/bench sets 2)"
            + " so that runs are comparable."
        : "OMP_NUM_THREADS=" + omp + ", OMP_WAIT_POLICY=" + System.getenv("OMP_WAIT_POLICY")
            + ", OPENBLAS_THREAD_TIMEOUT=" + MachineInfo.openBlasThreadTimeout());
    BenchConfig config = options.quick ? BenchConfig.quick() : BenchConfig.full();
    Json.Obj report = Json.obj()
        .put("machine", MachineInfo.describe())
        .put("mode", options.quick ? "quick (sizes too small for meaningful timings)" : "full")
        .put("omp_num_threads", omp);
    Json.Obj details = Json.obj();
    boolean fork = options.benchmarks.size() > 1 && !options.inProcess;
    report.put("jvm_per_benchmark", fork);
    for (String name : options.benchmarks) {
      progress.printf(Locale.ROOT, "running %s%s ...%n", name, fork ? " in its own JVM" : "");
      long t0 = System.nanoTime();
      Json.Obj result = fork ? inChildJvm(name, options, progress) : BENCHMARKS.get(name).apply(config);
      progress.printf(Locale.ROOT, "  %s done in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
      details.put(name, result);
      for (Target target : TARGETS) {
        if (target.benchmark.equals(name)) {
          report.put(target.field, result.get(target.field));
        }
      }
    }
    report.put("targets", targets(report));
    report.put("details", details);
    report.put("load_average_at_end", MachineInfo.loadAverage());
    report.put("wall_seconds", (System.nanoTime() - start) / 1e9);
    return report;
  }

  /** One benchmark in a fresh JVM (see {@link ChildJvm}); returns its details object. */
  private static Json.Obj inChildJvm(String name, Options options, PrintStream progress) {
    List<String> args = new ArrayList<>(List.of(name, "--json", "--in-process"));
    if (options.quick) {
      args.add("--quick");
    }
    Json.Obj child = ChildJvm.run(Bench.class, args, progress);
    Json.Obj details = (Json.Obj) child.get("details");
    if (details == null || !(details.get(name) instanceof Json.Obj result)) {
      throw new IllegalStateException("the JVM for " + name + " reported no details for it");
    }
    return result;
  }

  private static Json.Obj targets(Json.Obj report) {
    Json.Obj out = Json.obj();
    for (Target target : TARGETS) {
      Object value = report.get(target.field);
      if (target.op == null || !report.fields().containsKey(target.field)) {
        continue;
      }
      Boolean met = null;
      String wanted;
      if (target.op.equals("<=P+2")) {
        Object p = report.get("prefetch");
        wanted = "<= prefetch + 2";
        if (value instanceof Number n && p instanceof Number pn) {
          met = n.doubleValue() <= pn.doubleValue() + 2;
        }
      } else {
        wanted = target.op + " " + target.bound;
        if (value instanceof Number n) {
          met = target.op.equals("<=") ? n.doubleValue() <= target.bound : n.doubleValue() >= target.bound;
        }
      }
      out.put(target.field, Json.obj().put("target", wanted).put("met", met));
    }
    return out;
  }

  /** The report as aligned text lines. */
  static String text(Json.Obj report) {
    StringBuilder out = new StringBuilder();
    Json.Obj machine = (Json.Obj) report.get("machine");
    out.append("machine: ").append(machine.get("cores")).append(" cores, ")
        .append(machine.get("cpu")).append(", ").append(machine.get("jvm"))
        .append(", OMP_NUM_THREADS=").append(report.get("omp_num_threads")).append('\n');
    Json.Obj details = (Json.Obj) report.get("details");
    for (Map.Entry<String, Object> e : details.fields().entrySet()) {
      out.append('\n').append(e.getKey()).append(":\n");
      Json.Obj detail = (Json.Obj) e.getValue();
      if (detail.get("skipped") != null) {
        out.append("  skipped: ").append(detail.get("skipped")).append('\n');
      }
      Object comparison = detail.get("comparison");
      if (comparison instanceof Json.Obj c) {
        out.append(comparisonLine(c));
      }
      for (Target target : TARGETS) {
        if (detail.fields().containsKey(target.field)) {
          out.append(String.format(Locale.ROOT, "  %-42s %s%n", target.field,
              detail.get(target.field)));
        }
      }
    }
    out.append('\n').append("targets: ").append(report.get("targets")).append('\n');
    return out.toString();
  }

  private static String comparisonLine(Json.Obj c) {
    StringBuilder out = new StringBuilder();
    String unit = (String) c.get("unit");
    for (String side : new String[] {"a", "b"}) {
      Json.Obj s = (Json.Obj) c.get(side + "_" + unit);
      out.append(String.format(Locale.ROOT, "  %-60s median %.4g %s (min %.4g, max %.4g)%n",
          c.get(side), (Double) s.get("median"), unit, (Double) s.get("min"), (Double) s.get("max")));
    }
    Json.Obj r = (Json.Obj) c.get("ratio");
    out.append(String.format(Locale.ROOT, "  %-60s median %.3f (min %.3f, max %.3f)%n",
        "ratio A/B per pair", (Double) r.get("median"), (Double) r.get("min"),
        (Double) r.get("max")));
    Json.Obj bySpeed = (Json.Obj) c.get("ratio_by_b_speed");
    out.append(String.format(Locale.ROOT, "  %-60s %s; B slowed: %s%n", "pairs with B at full speed",
        groupText((Json.Obj) bySpeed.get("b_at_full_speed")), groupText((Json.Obj) bySpeed.get("b_slowed"))));
    return out.toString();
  }

  private static String groupText(Json.Obj group) {
    Json.Obj ratio = (Json.Obj) group.get("ratio");
    return ratio == null ? "none"
        : String.format(Locale.ROOT, "%s, median ratio %.3f", group.get("pairs"), (Double) ratio.get("median"));
  }

  private static String usage() {
    return "usage: bench <all|" + String.join("|", BENCHMARKS.keySet())
        + "> [--json] [--quick] [--in-process]   or   bench jmh [JMH arguments]";
  }

  /**
   * What to run.
   *
   * @param benchmarks the benchmark names, in order
   * @param json print one JSON object instead of text
   * @param quick small sizes
   * @param inProcess run several benchmarks in this JVM instead of one JVM each
   */
  public record Options(List<String> benchmarks, boolean json, boolean quick, boolean inProcess) {

    /**
     * Parses the command line.
     *
     * @param args benchmark names or {@code all}, {@code --json}, {@code --quick},
     *     {@code --in-process}
     * @return the options
     * @throws IllegalArgumentException for an unknown word
     */
    public static Options parse(String... args) {
      List<String> names = new ArrayList<>();
      boolean json = false;
      boolean quick = false;
      boolean inProcess = false;
      for (String arg : args) {
        switch (arg) {
          case "--json" -> json = true;
          case "--quick" -> quick = true;
          case "--in-process" -> inProcess = true;
          case "all" -> names.addAll(BENCHMARKS.keySet());
          default -> {
            if (!BENCHMARKS.containsKey(arg)) {
              throw new IllegalArgumentException("unknown benchmark or option: " + arg);
            }
            names.add(arg);
          }
        }
      }
      if (names.isEmpty()) {
        throw new IllegalArgumentException("name a benchmark, or all");
      }
      return new Options(List.copyOf(new java.util.LinkedHashSet<>(names)), json, quick, inProcess);
    }
  }

  private record Target(String benchmark, String field, String op, double bound) {}
}
