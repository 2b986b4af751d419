package io.solstice.cuda.internal;

import java.util.List;
import java.util.Map;

/**
 * The CUDA C source of the MLP's element-wise kernels, compiled at start by NVRTC for the
 * device's own architecture. The matrix products are cuBLAS's; these kernels do the rest of a
 * step on the device so that only the loss sum and the confusion counts return to the host.
 *
 * <p>The source includes no header (NVRTC has no host headers) and every entry point is
 * {@code extern "C"}, so its name in the compiled module is the name in {@link #ENTRY_POINTS}.
 * It is compiled with {@code --fmad=false}: no multiply-add contraction, so the element-wise
 * arithmetic rounds as the host's float32 code does (the Adam update is the same sequence of
 * float32 operations as the host implementation).
 */
public final class KernelSource {

  /** Adds the bias to each row, then applies ReLU when asked. */
  public static final String BIAS_ACTIVATION = "solstice_bias_activation";
  /**
   * Inverted dropout: draws the keep mask from a counter-based hash of (seed, draw) and scales
   * kept units, so restoring the seed and counter restores the masks.
   */
  public static final String DROPOUT = "solstice_dropout";
  /**
   * Softmax cross-entropy per row: adds the row's loss (float64) to a sum, counts (target,
   * prediction) in the confusion matrix and, when asked, writes the gradient of the mean loss
   * over the logits in place.
   */
  public static final String SOFTMAX_CROSS_ENTROPY = "solstice_softmax_cross_entropy";
  /** Backpropagates through dropout (optional mask) and ReLU, in place. */
  public static final String HIDDEN_BACKWARD = "solstice_hidden_backward";
  /** Clamps every gradient value to [-limit, limit]. */
  public static final String CLIP_VALUE = "solstice_clip_value";
  /** Adds the sum of squares of the gradient into a float64 accumulator. */
  public static final String SUM_OF_SQUARES = "solstice_sum_of_squares";
  /** Scales the gradient to the maximum norm when its norm (from the accumulator) exceeds it. */
  public static final String SCALE_TO_NORM = "solstice_scale_to_norm";
  /** Adam: updates both moments and turns the gradient into the update, optionally applying it. */
  public static final String ADAM = "solstice_adam";
  /** Plain SGD: turns the gradient into the update, optionally applying it. */
  public static final String SGD = "solstice_sgd";
  /** Decoupled weight decay: update += coefficient * parameter. */
  public static final String WEIGHT_DECAY = "solstice_weight_decay";
  /** parameter -= update. */
  public static final String SUBTRACT = "solstice_subtract";

  /** Every kernel the source defines, with its number of parameters (checked at each launch). */
  public static final Map<String, Integer> ENTRY_POINTS =
      Map.ofEntries(
          Map.entry(BIAS_ACTIVATION, 5), Map.entry(DROPOUT, 7),
          Map.entry(SOFTMAX_CROSS_ENTROPY, 9), Map.entry(HIDDEN_BACKWARD, 4),
          Map.entry(CLIP_VALUE, 3), Map.entry(SUM_OF_SQUARES, 3), Map.entry(SCALE_TO_NORM, 4),
          Map.entry(ADAM, 10), Map.entry(SGD, 5), Map.entry(WEIGHT_DECAY, 4),
          Map.entry(SUBTRACT, 3));

  /** Threads per block of every element-wise launch; the reductions assume this size. */
  public static final int BLOCK = 256;

  private KernelSource() {}

  /**
   * The NVRTC options for a device of this compute capability.
   *
   * @param major the major compute capability (9 on Hopper)
   * @param minor the minor compute capability
   * @return the options, starting with {@code --gpu-architecture=sm_XY}
   */
  public static List<String> compileOptions(int major, int minor) {
    if (major < 1 || minor < 0 || minor > 9) {
      throw new IllegalArgumentException(
          "not a compute capability: " + major + "." + minor);
    }
    return List.of(
        "--gpu-architecture=sm_" + major + minor, "--fmad=false", "--std=c++17",
        "-DSOLSTICE_BLOCK=" + BLOCK);
  }

  /**
   * The CUDA C source.
   *
   * @return the source text
   */
  public static String source() {
    return """
        // Solstice MLP kernels. Rows are C-order (row-major), as on the host.
        typedef unsigned long long u64;

        // The label of a row, from an Arrow integer buffer of 1, 2, 4 or 8 bytes per value.
        __device__ __forceinline__ long long solstice_label(const void* labels, int width, long long row) {
          switch (width) {
            case 1: return ((const signed char*) labels)[row];
            case 2: return ((const short*) labels)[row];
            case 4: return ((const int*) labels)[row];
            default: return ((const long long*) labels)[row];
          }
        }

        // SplitMix64: a well-spread 64-bit hash, the dropout generator's building block.
        __device__ __forceinline__ u64 solstice_mix(u64 z) {
          z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
          z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
          return z ^ (z >> 31);
        }

        extern "C" __global__ void solstice_bias_activation(
            float* out, const float* bias, long long rows, int cols, int relu) {
          long long n = rows * cols;
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            float x = out[i] + bias[i % cols];
            out[i] = relu && !(x > 0.0f) ? 0.0f : x;
          }
        }

        // Draw d of a seed: its own stream of hashes, one per unit.
        extern "C" __global__ void solstice_dropout(
            float* out, float* mask, long long n, u64 seed, u64 draw, float keep, float scale) {
          u64 stream = solstice_mix(seed + (draw + 1) * 0x9E3779B97F4A7C15ULL);
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            u64 bits = solstice_mix(stream + (u64) (i + 1) * 0x9E3779B97F4A7C15ULL);
            float uniform = (float) (bits >> 40) * (1.0f / 16777216.0f);
            float m = uniform < keep ? scale : 0.0f;
            mask[i] = m;
            out[i] = out[i] * m;
          }
        }

        // One thread per row: classes are few (tens to a few thousands).
        extern "C" __global__ void solstice_softmax_cross_entropy(
            float* logits, const void* labels, int labelWidth, long long rows, int classes,
            double* lossSum, u64* confusion, int gradient, float invRows) {
          long long row = blockIdx.x * (long long) blockDim.x + threadIdx.x;
          if (row >= rows) return;
          float* z = logits + row * classes;
          int best = 0;
          float max = z[0];
          for (int k = 1; k < classes; k++) {
            if (z[k] > max) { max = z[k]; best = k; }
          }
          long long label = solstice_label(labels, labelWidth, row);
          if (label < 0 || label >= classes) return;  // labels are checked on the host
          int target = (int) label;
          double sum = 0.0;
          float floatSum = 0.0f;
          for (int k = 0; k < classes; k++) {
            sum += exp((double) z[k] - (double) max);
            floatSum += expf(z[k] - max);
          }
          atomicAdd(lossSum, (double) max + log(sum) - (double) z[target]);
          atomicAdd(confusion + (u64) target * classes + best, 1ULL);
          if (gradient) {
            for (int k = 0; k < classes; k++) {
              float p = expf(z[k] - max) / floatSum;
              z[k] = (k == target ? p - 1.0f : p) * invRows;
            }
          }
        }

        extern "C" __global__ void solstice_hidden_backward(
            float* delta, const float* activation, const float* mask, long long n) {
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            float d = mask ? delta[i] * mask[i] : delta[i];
            delta[i] = activation[i] > 0.0f ? d : 0.0f;
          }
        }

        extern "C" __global__ void solstice_clip_value(float* g, long long n, float limit) {
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            g[i] = fmaxf(fminf(g[i], limit), -limit);
          }
        }

        extern "C" __global__ void solstice_sum_of_squares(const float* g, long long n, double* out) {
          __shared__ double partial[SOLSTICE_BLOCK];
          double sum = 0.0;
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            double x = g[i];
            sum += x * x;
          }
          partial[threadIdx.x] = sum;
          __syncthreads();
          for (int half = blockDim.x / 2; half > 0; half /= 2) {
            if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
            __syncthreads();
          }
          if (threadIdx.x == 0) atomicAdd(out, partial[0]);
        }

        extern "C" __global__ void solstice_scale_to_norm(
            float* g, long long n, const double* sumOfSquares, double maxNorm) {
          float norm = (float) sqrt(*sumOfSquares);
          if (!((double) norm > maxNorm)) return;
          float factor = (float) (maxNorm / (double) norm);
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            g[i] = g[i] * factor;
          }
        }

        // The host implementation's float32 arithmetic, operation for operation.
        extern "C" __global__ void solstice_adam(
            float* param, float* g, float* m, float* v, long long n, float beta1, float beta2,
            float epsilon, float stepSize, int apply) {
          float oneMinusBeta1 = 1.0f - beta1;
          float oneMinusBeta2 = 1.0f - beta2;
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            float gi = g[i];
            float mi = beta1 * m[i] + gi * oneMinusBeta1;
            float vi = beta2 * v[i] + gi * gi * oneMinusBeta2;
            m[i] = mi;
            v[i] = vi;
            float update = mi * stepSize / (sqrtf(vi) + epsilon);
            g[i] = update;
            if (apply) param[i] = param[i] - update;
          }
        }

        extern "C" __global__ void solstice_sgd(
            float* param, float* g, long long n, float learningRate, int apply) {
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            float update = g[i] * learningRate;
            g[i] = update;
            if (apply) param[i] = param[i] - update;
          }
        }

        extern "C" __global__ void solstice_weight_decay(
            float* update, const float* param, long long n, float coefficient) {
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            update[i] = coefficient * param[i] + update[i];
          }
        }

        extern "C" __global__ void solstice_subtract(float* param, const float* update, long long n) {
          for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n;
               i += (long long) gridDim.x * blockDim.x) {
            param[i] = param[i] - update[i];
          }
        }
        """;
  }
}
