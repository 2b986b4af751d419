/**
 * Checkpoints: numpy-readable {@code .npz} files with a JSON manifest, written atomically, and
 * exact resume.
 *
 * <p><b>Format.</b> One uncompressed {@code .npz} per checkpoint, {@code
 * ckpt-<train steps>.npz}: a STORED zip of C-order {@code .npy} (version 1.0) entries named
 * {@code <array name>.npy} (rank-0 arrays as shape {@code (1,)}), plus {@code manifest.json}
 * inside the same zip with the loop counters ({@link io.solstice.core.RunPosition}), the source
 * position, callback states, monitored metrics, library version and a SHA-256 per array. RNG
 * state travels among the experiment's named arrays. In Python, {@code
 * numpy.load("ckpt-000000001000.npz")["layer0/W"]} reads an array and {@code
 * json.loads(zipfile.ZipFile(path).read("manifest.json"))} the manifest.
 *
 * <p><b>Crash safety.</b> See {@link io.solstice.core.checkpoint.CheckpointStore}: temporary
 * file, fsync, atomic rename, then an atomically replaced {@code latest} pointer; loading picks
 * the newest checkpoint that verifies and never returns a partial or corrupt one.
 *
 * <p><b>Resume.</b> {@link io.solstice.core.checkpoint.Checkpoints#resume} (or {@code
 * CheckpointCallback.resume} in {@code solstice-reactive}) rebuilds the experiment through
 * {@link io.solstice.core.Checkpointable#withState}, restores the callbacks' states and returns
 * the {@link io.solstice.core.RunPosition} for the engine's {@code Run.resumeFrom}.
 *
 * <p><b>Writing.</b> The {@code CheckpointCallback} subscriber of {@code solstice-reactive}
 * writes checkpoints during a run (every N steps or epochs, every T of wall time, at the end),
 * keeps the newest and the best, and announces those it writes before the run ends as {@code
 * CheckpointWritten} events.
 */
package io.solstice.core.checkpoint;
