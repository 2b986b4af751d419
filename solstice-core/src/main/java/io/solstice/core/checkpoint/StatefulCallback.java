package io.solstice.core.checkpoint;

import java.util.Map;

/**
 * A callback whose state a checkpoint saves and a resumed run restores, so that, for example,
 * early stopping keeps counting patience where it left off.
 *
 * <p>The state is a small JSON-compatible map (numbers, strings, booleans, lists and maps of
 * those); it is stored in the checkpoint's manifest. Non-finite doubles come back as the
 * strings {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}, and integers may come back
 * as {@code Integer} or {@code Long}: read numbers through {@link Number} or {@link
 * io.solstice.core.checkpoint.StateValues}.
 */
public interface StatefulCallback {

  /**
   * The state to save, taken on the training thread at the moment of the checkpoint.
   *
   * @return a fresh map the callback no longer modifies
   */
  Map<String, Object> saveState();

  /**
   * Restores a state previously returned by {@link #saveState()}, before the resumed run
   * starts.
   *
   * @param state the saved state
   * @throws IllegalArgumentException when the state is not one this callback wrote
   */
  void restoreState(Map<String, Object> state);
}
