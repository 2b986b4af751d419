/**
 * Internals of the CUDA path: library loading with named failures, status checks, the kernel
 * source and its NVRTC compilation and launches, device memory, page-lock bookkeeping, the
 * prefetch copy operator, the flat state layout and its conversion to named arrays. Not a
 * public API.
 */
package io.solstice.cuda.internal;
