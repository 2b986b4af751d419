package io.solstice.cuda;

import io.solstice.core.models.MlpClassifier;
import io.solstice.core.nd4j.GradientClipping;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimizer settings the GPU check compares between the CPU and the CUDA model, each
 * written once per builder with the same values.
 */
enum CheckVariant {
  /** The defaults: Adam(1e-3). */
  ADAM {
    @Override
    MlpClassifier.Builder cpu(MlpClassifier.Builder b) {
      return b;
    }

    @Override
    CudaMlpClassifier.Builder gpu(CudaMlpClassifier.Builder b) {
      return b;
    }
  },
  /** AdamW with a larger rate and global-norm clipping. */
  ADAMW_CLIP_NORM {
    @Override
    MlpClassifier.Builder cpu(MlpClassifier.Builder b) {
      return b.updater(new Adam(1e-2)).weightDecay(1e-2).clipping(GradientClipping.byNorm(0.5));
    }

    @Override
    CudaMlpClassifier.Builder gpu(CudaMlpClassifier.Builder b) {
      return b.updater(new Adam(1e-2)).weightDecay(1e-2).clipByNorm(0.5);
    }
  },
  /** Plain SGD with value clipping. */
  SGD_CLIP_VALUE {
    @Override
    MlpClassifier.Builder cpu(MlpClassifier.Builder b) {
      return b.updater(new Sgd(0.1)).clipping(GradientClipping.byValue(0.02));
    }

    @Override
    CudaMlpClassifier.Builder gpu(CudaMlpClassifier.Builder b) {
      return b.updater(new Sgd(0.1)).clipByValue(0.02);
    }
  };

  /** Layer sizes of the comparison model (digits: 64 pixels, 10 classes). */
  static final int[] HIDDEN = {128, 64};
  /** The seed of the shared initial state. */
  static final long SEED = 42;
  /** Steps compared. */
  static final int STEPS = 100;
  /** Rows per batch. */
  static final int BATCH = 32;

  abstract MlpClassifier.Builder cpu(MlpClassifier.Builder builder);

  abstract CudaMlpClassifier.Builder gpu(CudaMlpClassifier.Builder builder);

  /** The file name stem of this variant's reference figures. */
  String fileName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
