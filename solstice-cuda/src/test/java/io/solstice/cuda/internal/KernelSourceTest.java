package io.solstice.cuda.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;

import io.solstice.cuda.CudaUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSourceTest {

  private static final Pattern ENTRY =
      Pattern.compile("extern \"C\" __global__ void (\\w+)\\(([^)]*)\\)");

  @Test
  void everyEntryPointIsDefinedOnceWithTheArityTheLauncherChecks() {
    Map<String, Integer> defined = new java.util.HashMap<>();
    Matcher matcher = ENTRY.matcher(KernelSource.source());
    while (matcher.find()) {
      int arity = matcher.group(2).split(",").length;
      assertThat(defined.put(matcher.group(1), arity)).as("defined twice: " + matcher.group(1)).isNull();
    }
    assertThat(defined).isEqualTo(KernelSource.ENTRY_POINTS);
  }

  @Test
  void theSourceIncludesNoHeaderBecauseNvrtcHasNoHostHeaders() {
    assertThat(KernelSource.source()).doesNotContain("#include");
  }

  @Test
  void optionsTargetTheDevicesOwnArchitectureWithoutMultiplyAddContraction() {
    assertThat(KernelSource.compileOptions(9, 0))
        .startsWith("--gpu-architecture=sm_90")
        .contains("--fmad=false", "-DSOLSTICE_BLOCK=" + KernelSource.BLOCK);
    assertThat(KernelSource.compileOptions(8, 6)).first().isEqualTo("--gpu-architecture=sm_86");
    assertThat(KernelSource.compileOptions(10, 0)).first().isEqualTo("--gpu-architecture=sm_100");
    assertThatThrownBy(() -> KernelSource.compileOptions(0, 0))
        .hasMessageContaining("not a compute capability");
  }

  /** The same CUDA 13 front end as NVRTC, offline: nvcc needs no GPU. */
  @Test
  void nvccCompilesTheSourceForHopper(@TempDir Path dir) throws IOException, InterruptedException {
    Path nvcc = findNvcc();
    Path source = dir.resolve("solstice_kernels.cu");
    Files.writeString(source, KernelSource.source(), StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>(List.of(nvcc.toString(), "-cubin", "-o", dir.resolve("k.cubin").toString()));
    for (String option : KernelSource.compileOptions(9, 0)) {
      command.add(option.replace("--gpu-architecture=", "-arch="));
    }
    command.add(source.toString());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("nvcc finished").isTrue();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).as("no warnings").isBlank();
    assertThat(Files.readAllBytes(dir.resolve("k.cubin"))).startsWith(0x7f, 'E', 'L', 'F');
  }

  /** NVRTC needs no GPU either, but it needs libnvrtc.so.13 and the driver the presets link. */
  @Test
  void nvrtcCompilesTheSourceForHopper() {
    try {
      CudaLibraries.requireNvrtc();
    } catch (CudaUnavailableException e) {
      abort("NVRTC cannot be loaded here: " + e.getMessage());
    }
    byte[] cubin =
        NvrtcCompiler.compile(KernelSource.source(), "solstice_kernels.cu", KernelSource.compileOptions(9, 0));
    assertThat(cubin).startsWith(0x7f, 'E', 'L', 'F');
  }

  private static Path findNvcc() {
    List<Path> candidates = new ArrayList<>();
    String home = System.getenv("CUDA_HOME");
    if (home != null) {
      candidates.add(Path.of(home, "bin", "nvcc"));
    }
    candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "nvcc"));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst()
        .orElseGet(() -> abort("no nvcc (CUDA toolkit) on CUDA_HOME, /usr/local/cuda or PATH"));
  }
}
