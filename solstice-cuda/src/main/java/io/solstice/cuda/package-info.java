/**
 * Training on a CUDA device: {@link io.solstice.cuda.CudaDevice} opens a device and copies
 * Arrow batches to it in the prefetch stage ({@link io.solstice.cuda.CudaDevice#upload}), and
 * {@link io.solstice.cuda.CudaMlpClassifier} is {@code MlpClassifier} resident on the device,
 * with the same options and checkpoint state. Needs the NVIDIA driver and the CUDA 13 toolkit
 * at run time, and no ND4J backend; see docs/GPU.md.
 */
package io.solstice.cuda;
