package io.solstice.benchmarks;

import io.solstice.benchmarks.internal.ChildJvm;
import io.solstice.benchmarks.internal.EngineMlpThroughput;
import io.solstice.benchmarks.internal.Json;
import io.solstice.benchmarks.internal.Summary;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Solstice against PyTorch on the CPU: samples/s of the engine ({@code
 * Solstice.run(model).train(...)}, one run per epoch) and of {@code benchmarks/pytorch_mlp.py}
 * (the same MLPs, Adam(1e-3), float32, on synthetic MNIST-shaped data) for 784-256-10 at batch
 * 128 and 784-300-100-10 at batch 32, each framework at one and at two threads ({@code
 * OMP_NUM_THREADS} for the JVM, read once at start-up, so each setting gets a JVM of its own;
 * {@code torch.set_num_threads} for the script). The four settings run interleaved (Solstice 1,
 * PyTorch 1, Solstice 2, PyTorch 2, then again), each process reporting the median of its timed
 * epochs; {@code vs_pytorch_cpu} is the best Solstice setting over the best PyTorch setting, each
 * the median over the rounds.
 *
 * <p>Needs a Python with {@code torch} (Debian's {@code /usr/bin/python3} with {@code
 * python3-torch}; another with {@code -Dsolstice.bench.python=...}). Without it the benchmark
 * reports {@code skipped} and no ratio, so that the harness runs anywhere.
 */
public final class PytorchComparison {

  /** The system property naming the Python executable. */
  public static final String PYTHON_PROPERTY = "solstice.bench.python";

  /** The system property naming the script, when it is not found next to the harness. */
  public static final String SCRIPT_PROPERTY = "solstice.bench.pytorchScript";

  private static final String DEFAULT_PYTHON = "/usr/bin/python3";
  private static final String SCRIPT = "pytorch_mlp.py";
  private static final int[] THREADS = {1, 2};
  private static final Map<String, Integer> BATCHES =
      Map.of(EngineMlpThroughput.WIDE, 128, EngineMlpThroughput.DEEP, 32);
  private static final long PROCESS_TIMEOUT_MINUTES = 10;

  private PytorchComparison() {}

  /**
   * Runs the comparison, or reports why it cannot.
   *
   * @param config rows per epoch, rounds, warm-up and timed epochs
   * @return {@code vs_pytorch_cpu_784_256_10_b128}, {@code vs_pytorch_cpu_784_300_100_10_b32}
   *     and every setting's figures, or {@code skipped} with the reason
   */
  public static Json.Obj run(BenchConfig config) {
    String python = System.getProperty(PYTHON_PROPERTY, DEFAULT_PYTHON);
    String noTorch = torchMissing(python);
    if (noTorch != null) {
      return Json.obj().put("skipped", noTorch);
    }
    Optional<Path> script = findScript();
    if (script.isEmpty()) {
      return Json.obj().put("skipped", SCRIPT + " not found (set -D" + SCRIPT_PROPERTY + ")");
    }
    List<String> sizes = List.of(String.valueOf(config.trainRows()),
        String.valueOf(config.smallMlpRows()), String.valueOf(config.crossFrameworkWarmupEpochs()),
        String.valueOf(config.crossFrameworkEpochs()));
    Map<String, List<Json.Obj>> bySetting = new LinkedHashMap<>();
    for (int round = 0; round < config.processRounds(); round++) {
      for (int threads : THREADS) {
        System.err.printf("  round %d: Solstice and PyTorch at %d thread(s)%n", round + 1, threads);
        Json.Obj engine = ChildJvm.run(EngineMlpThroughput.class, sizes, environment(threads), System.err);
        checkThreads(engine.get("omp_num_threads"), threads, "the Solstice JVM");
        bySetting.computeIfAbsent(solstice(threads), k -> new ArrayList<>()).add(engine);
        Json.Obj torch = pytorchRun(python, script.get(), threads, sizes);
        checkThreads(torch.get("threads"), threads, "the PyTorch script");
        bySetting.computeIfAbsent(pytorch(threads), k -> new ArrayList<>()).add(torch);
      }
    }
    Json.Obj out = Json.obj()
        .put("python", python)
        .put("script", script.get().getFileName().toString())
        .put("framework", bySetting.get(pytorch(1)).get(0).get("framework"))
        .put("rounds", config.processRounds())
        .put("rows_per_epoch_784_256_10_b128", config.trainRows())
        .put("rows_per_epoch_784_300_100_10_b32", config.smallMlpRows())
        .put("warmup_epochs_per_process", config.crossFrameworkWarmupEpochs())
        .put("timed_epochs_per_process", config.crossFrameworkEpochs());
    for (String shape : BATCHES.keySet().stream().sorted().toList()) {
      Json.Obj figures = shapeFigures(shape, bySetting);
      out.put("mlp_" + shape, figures);
      out.put("vs_pytorch_cpu_" + shape, figures.get("vs_pytorch_cpu"));
    }
    return out;
  }

  /** Per setting the median over rounds, then the best of each framework and their ratio. */
  private static Json.Obj shapeFigures(String shape, Map<String, List<Json.Obj>> bySetting) {
    int batch = BATCHES.get(shape);
    Json.Obj out = Json.obj().put("batch", batch);
    double bestSolstice = 0;
    double bestPytorch = 0;
    String bestSolsticeSetting = null;
    String bestPytorchSetting = null;
    for (Map.Entry<String, List<Json.Obj>> setting : bySetting.entrySet()) {
      List<Json.Obj> runs = setting.getValue();
      double[] perRound = new double[runs.size()];
      for (int i = 0; i < perRound.length; i++) {
        Json.Obj samples = (Json.Obj) ((Json.Obj) runs.get(i).get(shape)).get("samples_per_s");
        perRound[i] = ((Number) samples.get("median")).doubleValue();
      }
      double median = Summary.of(perRound).median();
      out.put(setting.getKey(), Json.obj()
          .put("samples_per_s", median)
          .put("steps_per_s", median / batch)
          .put("samples_per_s_per_round", Json.array(perRound)));
      boolean isSolstice = setting.getKey().startsWith("solstice");
      if (isSolstice && median > bestSolstice) {
        bestSolstice = median;
        bestSolsticeSetting = setting.getKey();
      } else if (!isSolstice && median > bestPytorch) {
        bestPytorch = median;
        bestPytorchSetting = setting.getKey();
      }
    }
    return out.put("best_solstice", bestSolsticeSetting)
        .put("best_pytorch", bestPytorchSetting)
        .put("vs_pytorch_cpu", bestSolstice / bestPytorch);
  }

  /** A setting that did not take would make the comparison mean something else: fail. */
  private static void checkThreads(Object reported, int threads, String who) {
    if (reported == null || Double.parseDouble(reported.toString()) != threads) {
      throw new IllegalStateException(who + " ran with " + reported + " threads, not " + threads);
    }
  }

  private static String solstice(int threads) {
    return "solstice_omp_num_threads_" + threads;
  }

  private static String pytorch(int threads) {
    return "pytorch_threads_" + threads;
  }

  /** The JVM's thread setting; the wait policy stays passive (see benchmarks/bench). */
  private static Map<String, String> environment(int threads) {
    String policy = System.getenv("OMP_WAIT_POLICY");
    return Map.of("OMP_NUM_THREADS", String.valueOf(threads),
        "OMP_WAIT_POLICY", policy == null ? "PASSIVE" : policy);
  }

  private static Json.Obj pytorchRun(String python, Path script, int threads, List<String> sizes) {
    List<String> command = List.of(python, script.toString(), "--threads", String.valueOf(threads),
        "--rows-b128", sizes.get(0), "--rows-b32", sizes.get(1), "--warmup", sizes.get(2),
        "--epochs", sizes.get(3));
    ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(environment(threads));
    try {
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(PROCESS_TIMEOUT_MINUTES, TimeUnit.MINUTES) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " failed: " + out);
      }
      int brace = out.indexOf('{');
      if (brace < 0 || !(Json.read(out.substring(brace)) instanceof Json.Obj report)) {
        throw new IllegalStateException(command + " printed no JSON object: " + out);
      }
      return report;
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + command, e);
    }
  }

  /** Why {@code import torch} fails with this Python, or null when it works. */
  private static String torchMissing(String python) {
    try {
      Process process = new ProcessBuilder(python, "-c", "import torch")
          .redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        return python + " -c 'import torch' did not finish in two minutes";
      }
      if (process.exitValue() != 0) {
        String[] lines = out.strip().split("\n");
        return python + " cannot import torch: " + lines[lines.length - 1];
      }
      return null;
    } catch (IOException e) {
      return "cannot run " + python + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while checking for torch";
    }
  }

  /**
   * The script: where the property says, else in {@code benchmarks/} under the working
   * directory, else next to the harness's classes or jar ({@code benchmarks/target/...}).
   */
  private static Optional<Path> findScript() {
    String configured = System.getProperty(SCRIPT_PROPERTY);
    if (configured != null) {
      return Optional.of(Path.of(configured)).filter(Files::isRegularFile);
    }
    List<Path> candidates = new ArrayList<>(List.of(Path.of("benchmarks", SCRIPT), Path.of(SCRIPT)));
    try {
      Path code = Path.of(PytorchComparison.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI());
      for (Path dir = code.getParent(); dir != null && candidates.size() < 6; dir = dir.getParent()) {
        candidates.add(dir.resolve(SCRIPT));
      }
    } catch (URISyntaxException | RuntimeException e) {
      // No code location (unusual class loader): the working directory is all there is.
    }
    return candidates.stream().filter(Files::isRegularFile).findFirst()
        .map(Path::toAbsolutePath);
  }
}
