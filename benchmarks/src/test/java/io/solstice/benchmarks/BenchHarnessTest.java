package io.solstice.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.solstice.benchmarks.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness runs every benchmark end to end in quick mode and reports every field the
 * benchmarks issue asks for. Timings are not checked: quick sizes are far too small for them
 * to mean anything.
 */
class BenchHarnessTest {

  private static final List<String> REQUIRED_NUMBERS = List.of(
      "overhead_vs_raw_nd4j",
      "speedup_vs_dl4j",
      "accuracy_solstice",
      "accuracy_dl4j",
      "ingest_vs_memcpy",
      "ingest_speedup_vs_datavec",
      "overlap_efficiency",
      "inflight_batches_max",
      "prefetch",
      "steps_per_second_mlp_784_300_100_10_b32",
      "ten_sync_subscribers_vs_none",
      "slow_async_subscriber_vs_none",
      "publish_every_10_vs_none",
      "online_logreg_vs_moa_sgd_sea",
      "online_rows_per_s_solstice_sea",
      "online_rows_per_s_moa_sgd_sea",
      "online_accuracy_solstice_sea",
      "online_accuracy_moa_sgd_sea",
      "online_logreg_vs_moa_sgd_hyperplane",
      "online_accuracy_solstice_hyperplane",
      "online_accuracy_moa_sgd_hyperplane",
      "engine_fixed_cost_us_per_step",
      "step_flops_vs_sgemm_784_256_10_b128",
      "step_flops_vs_sgemm_784_300_100_10_b32",
      "sgemm_gflops_256",
      "sgemm_gflops_1024",
      "paced_cpu_per_step_thread_timeout_19_vs_28",
      "paced_step_time_thread_timeout_19_vs_28",
      "paced_cpu_per_step_thread_timeout_16_vs_28",
      "paced_step_time_thread_timeout_16_vs_28");

  private static Json.Obj report;
  private static String progress;

  @BeforeAll
  static void runQuickHarness() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PrintStream progressStream = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      report = Bench.run(Bench.Options.parse("all", "--quick", "--json", "--in-process"),
          progressStream);
    }
    progress = out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void theJsonReportParsesAndHasEveryHeadlineFieldAsAPositiveNumber() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.toString());

    for (String field : REQUIRED_NUMBERS) {
      assertThat(json.has(field)).as("field %s in %s", field, json.fieldNames()).isTrue();
      assertThat(json.get(field).isNumber()).as("%s is a number: %s", field, json.get(field))
          .isTrue();
      assertThat(json.get(field).asDouble()).as(field).isPositive();
    }
    // A quick run may be too short for the slow subscriber to fall behind: zero is a count too.
    assertThat(json.get("slow_async_subscriber_dropped_per_run").isNumber()).isTrue();
    assertThat(json.get("slow_async_subscriber_dropped_per_run").asDouble()).isNotNegative();
  }

  @Test
  void theReportDescribesTheMachineAndTheThreadSetting() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.toString());

    assertThat(json.get("machine").get("cores").asInt()).isPositive();
    assertThat(json.get("machine").has("jvm")).isTrue();
    assertThat(json.has("omp_num_threads")).isTrue();
    assertThat(progress).containsPattern("OMP_NUM_THREADS(=\\d+| is not set)");
  }

  @Test
  void eachComparisonReportsMediansMinMaxAndOneRatioPerPair() throws Exception {
    JsonNode overhead = new ObjectMapper().readTree(report.toString())
        .get("details").get("overhead").get("comparison");

    int pairs = BenchConfig.quick().pairs();
    assertThat(overhead.get("pair_ratios").size()).isEqualTo(pairs);
    for (String summary : List.of("a_samples_per_s", "b_samples_per_s", "ratio")) {
      JsonNode s = overhead.get(summary);
      assertThat(s.get("min").asDouble()).isLessThanOrEqualTo(s.get("median").asDouble());
      assertThat(s.get("median").asDouble()).isLessThanOrEqualTo(s.get("max").asDouble());
      assertThat(s.get("n").asInt()).isEqualTo(pairs);
    }
    JsonNode bySpeed = overhead.get("ratio_by_b_speed");
    assertThat(bySpeed.get("b_at_full_speed").get("pairs").asInt() + bySpeed.get("b_slowed").get("pairs").asInt())
        .isEqualTo(pairs);
  }

  @Test
  void everyTargetIsJudged() throws Exception {
    JsonNode targets = new ObjectMapper().readTree(report.toString()).get("targets");

    for (String field : List.of("overhead_vs_raw_nd4j", "speedup_vs_dl4j", "ingest_vs_memcpy",
        "overlap_efficiency", "inflight_batches_max", "ten_sync_subscribers_vs_none",
        "slow_async_subscriber_vs_none", "online_logreg_vs_moa_sgd_sea",
        "online_accuracy_gain_vs_moa_sgd_sea", "step_flops_vs_sgemm_784_256_10_b128",
        "step_flops_vs_sgemm_784_300_100_10_b32")) {
      assertThat(targets.get(field).get("met").isBoolean()).as(field).isTrue();
    }
  }

  @Test
  void theTextReportNamesEveryBenchmark() {
    String text = Bench.text(report);

    assertThat(text).contains("overhead:", "dl4j:", "ingest:", "overlap:", "inflight:", "steps:",
        "subscribers:", "async:", "online:", "gemm:", "pytorch:", "idlewait:", "ratio A/B per pair",
        "pairs with B at full speed");
  }

  @Test
  void theStepEfficiencyCountsEveryGemmOfTheStepAndComparesPairByPair() throws Exception {
    JsonNode gemm = new ObjectMapper().readTree(report.toString()).get("details").get("gemm");
    JsonNode wide = gemm.get("mlp_784_256_10_b128");
    JsonNode deep = gemm.get("mlp_784_300_100_10_b32");

    // Forward X W per layer; backward X^T delta and ones delta per layer, delta W^T above the first.
    assertThat(wide.get("gemms_m_n_k").size()).isEqualTo(2 + 2 * 2 + 1);
    assertThat(deep.get("gemms_m_n_k").size()).isEqualTo(3 + 3 * 2 + 2);
    assertThat(wide.get("gemms_m_n_k").get(0).asText()).isEqualTo("128x256x784");
    long b = 128;
    assertThat(wide.get("flops_per_step").asLong()).isEqualTo(
        2 * 2 * b * (784 * 256 + 256 * 10) + 2 * b * (256 + 10) + 2 * b * 256 * 10);
    b = 32;
    assertThat(deep.get("flops_per_step").asLong()).isEqualTo(
        2 * 2 * b * (784 * 300 + 300 * 100 + 100 * 10) + 2 * b * (300 + 100 + 10)
            + 2 * b * (300 * 100 + 100 * 10));
    for (JsonNode shape : List.of(wide, deep)) {
      JsonNode comparison = shape.get("comparison");
      double gflopPerStep = shape.get("flops_per_step").asDouble() / 1e9;
      assertThat(comparison.get("pair_ratios").size()).isEqualTo(2 * BenchConfig.quick().pairs());
      JsonNode byGemm = shape.get("sgemm_gflops_by_gemm");
      assertThat(byGemm.size()).isEqualTo(shape.get("gemms_m_n_k").size());
      for (int g = 0; g < byGemm.size(); g++) {
        assertThat(byGemm.get(g).get("m_n_k")).isEqualTo(shape.get("gemms_m_n_k").get(g));
        assertThat(byGemm.get(g).get("gflops").asDouble()).isPositive();
      }
      assertThat(shape.get("step_gflops").asDouble()).isCloseTo(
          comparison.get("a_steps_per_s").get("median").asDouble() * gflopPerStep, within(1e-6));
      assertThat(shape.get("sgemm_gflops_at_step_shapes").asDouble()).isCloseTo(
          comparison.get("b_steps_per_s").get("median").asDouble() * gflopPerStep, within(1e-6));
      assertThat(shape.get("step_flops_vs_sgemm").asDouble())
          .isEqualTo(comparison.get("ratio").get("median").asDouble());
    }
  }

  @Test
  void theIdleWaitComparisonRunsEachOpenBlasSettingInItsOwnJvmEveryRound() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.toString());
    JsonNode idleWait = json.get("details").get("idlewait");

    String[] timeouts = {"28", "19", "16"};
    double[] cpuMedian = new double[timeouts.length];
    double[] stepMedian = new double[timeouts.length];
    for (int i = 0; i < timeouts.length; i++) {
      JsonNode setting = idleWait.get("thread_timeout_" + timeouts[i]);
      assertThat(setting.get("cpu_ms_per_step_per_round").size()).as(timeouts[i])
          .isEqualTo(BenchConfig.quick().processRounds());
      assertThat(setting.get("cpu_cores").get("median").asDouble()).as(timeouts[i]).isPositive();
      cpuMedian[i] = setting.get("cpu_ms_per_step").get("median").asDouble();
      stepMedian[i] = setting.get("step_ms_median").get("median").asDouble();
      assertThat(cpuMedian[i]).as(timeouts[i]).isPositive();
      assertThat(stepMedian[i]).as(timeouts[i]).isPositive();
    }
    assertThat(idleWait.get("steps_per_run").asInt()).isEqualTo(20 * BenchConfig.quick().pairs());
    for (int i = 1; i < timeouts.length; i++) {
      String vsDefault = "thread_timeout_" + timeouts[i] + "_vs_28";
      assertThat(json.get("paced_cpu_per_step_" + vsDefault).asDouble())
          .isCloseTo(cpuMedian[i] / cpuMedian[0], within(1e-9));
      assertThat(json.get("paced_step_time_" + vsDefault).asDouble())
          .isCloseTo(stepMedian[i] / stepMedian[0], within(1e-9));
    }
  }

  @Test
  void theComparisonWithPytorchRunsEverySettingWhereTorchIsInstalledAndIsSkippedElsewhere()
      throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.toString());
    JsonNode pytorch = json.get("details").get("pytorch");

    if (torchImports()) {
      assertThat(pytorch.has("skipped")).as("%s", pytorch).isFalse();
      for (String shape : List.of("784_256_10_b128", "784_300_100_10_b32")) {
        JsonNode figures = pytorch.get("mlp_" + shape);
        double bestSolstice = 0;
        double bestPytorch = 0;
        for (String setting : List.of("solstice_omp_num_threads_1", "pytorch_threads_1",
            "solstice_omp_num_threads_2", "pytorch_threads_2")) {
          JsonNode s = figures.get(setting);
          assertThat(s.get("samples_per_s_per_round").size()).as(setting)
              .isEqualTo(BenchConfig.quick().processRounds());
          assertThat(s.get("samples_per_s").asDouble()).as(setting).isPositive();
          assertThat(s.get("steps_per_s").asDouble() * figures.get("batch").asInt())
              .isCloseTo(s.get("samples_per_s").asDouble(), within(1e-6));
          if (setting.startsWith("solstice")) {
            bestSolstice = Math.max(bestSolstice, s.get("samples_per_s").asDouble());
          } else {
            bestPytorch = Math.max(bestPytorch, s.get("samples_per_s").asDouble());
          }
        }
        assertThat(json.get("vs_pytorch_cpu_" + shape).asDouble())
            .isCloseTo(bestSolstice / bestPytorch, within(1e-9));
        assertThat(json.get("targets").get("vs_pytorch_cpu_" + shape).get("met").isBoolean())
            .isTrue();
      }
    } else {
      assertThat(pytorch.get("skipped").asText()).contains("python3");
      assertThat(json.get("vs_pytorch_cpu_784_256_10_b128").isNull()).isTrue();
    }
  }

  @Test
  void withoutAPythonThatHasTorchTheComparisonReportsWhyAndNoRatio() throws Exception {
    String previous = System.getProperty(PytorchComparison.PYTHON_PROPERTY);
    System.setProperty(PytorchComparison.PYTHON_PROPERTY, "/nonexistent/python3");
    Json.Obj skipped;
    try {
      skipped = Bench.run(Bench.Options.parse("pytorch", "--quick", "--json"),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    } finally {
      if (previous == null) {
        System.clearProperty(PytorchComparison.PYTHON_PROPERTY);
      } else {
        System.setProperty(PytorchComparison.PYTHON_PROPERTY, previous);
      }
    }
    JsonNode json = new ObjectMapper().readTree(skipped.toString());

    assertThat(json.get("details").get("pytorch").get("skipped").asText())
        .contains("/nonexistent/python3");
    assertThat(json.get("details").get("pytorch").has("vs_pytorch_cpu_784_256_10_b128")).isFalse();
    assertThat(json.get("vs_pytorch_cpu_784_256_10_b128").isNull()).isTrue();
    assertThat(json.get("targets").get("vs_pytorch_cpu_784_300_100_10_b32").get("met").isNull())
        .isTrue();
    assertThat(Bench.text(skipped)).contains("pytorch:", "skipped: cannot run /nonexistent/python3");
  }

  @Test
  void severalBenchmarksRunInAJvmEachAndTheirReportsAreMerged() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Json.Obj forked;
    try (PrintStream progressStream = new PrintStream(out, true, StandardCharsets.UTF_8)) {
      forked = Bench.run(Bench.Options.parse("inflight", "overlap", "--quick", "--json"), progressStream);
    }
    JsonNode json = new ObjectMapper().readTree(forked.toString());

    assertThat(json.get("jvm_per_benchmark").asBoolean()).isTrue();
    assertThat(json.get("inflight_batches_max").asDouble()).isPositive();
    assertThat(json.get("overlap_efficiency").asDouble()).isPositive();
    assertThat(json.get("targets").get("inflight_batches_max").get("met").isBoolean()).isTrue();
    assertThat(json.get("details").get("overlap").has("efficiency_by_case")).isTrue();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("running inflight in its own JVM", "running overlap in its own JVM");
  }

  /** Whether Debian's Python imports torch here, as the comparison checks it. */
  private static boolean torchImports() throws Exception {
    try {
      Process check = new ProcessBuilder("/usr/bin/python3", "-c", "import torch")
          .redirectErrorStream(true).start();
      check.getInputStream().readAllBytes();
      return check.waitFor() == 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void theJsonReaderReadsBackWhatTheWriterWrites() {
    Json.Obj original = Json.obj()
        .put("text", "quote \" backslash \\ newline \n tab \t")
        .put("number", 0.000123456)
        .put("whole", 42.0)
        .put("negative", -3.5e-12)
        .put("flag", true)
        .put("nothing", null)
        .put("list", Json.array(1, 2.5, -7))
        .put("nested", Json.obj().put("empty", Json.obj()).put("none", List.of()));

    Object read = Json.read(original.toString());

    assertThat(read).isInstanceOf(Json.Obj.class);
    assertThat(read.toString()).isEqualTo(original.toString());
    assertThatThrownBy(() -> Json.read("{\"a\": 1,}"))
        .hasMessageContaining("offset");
  }

  @Test
  void unknownWordsAreRejectedWithTheirName() {
    assertThatThrownBy(() -> Bench.Options.parse("al"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("al");
    assertThatThrownBy(() -> Bench.Options.parse("--json"))
        .hasMessageContaining("name a benchmark");
  }
}
