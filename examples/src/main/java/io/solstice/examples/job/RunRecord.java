package io.solstice.examples.job;

import io.solstice.core.SolsticeVersion;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a run was, saved as {@code run.json} in its run directory and in every checkpoint
 * manifest (as {@code run}): the command, every option's value (given or default, the form
 * {@code --config} reads back to repeat the run), and what those options resolved to (sizes
 * chosen for {@code auto}, the model's layer sizes, the optimizer, the seed), with the library
 * version.
 *
 * <pre>{@code
 * {
 *   "format" : "solstice-run", "formatVersion" : 1, "libraryVersion" : "0.1.0-SNAPSHOT",
 *   "command" : "digits",
 *   "options" : { "--epochs" : "30", "--batch-size" : "64", "--seed" : 42, "--hidden" : [ 128 ], ... },
 *   "resolved" : { "epochs" : 30, "batchSize" : 64, ..., "model" : {...}, "optimizer" : {...} }
 * }
 * }</pre>
 *
 * <p>Thread safety: immutable; safe to share.
 *
 * @param command the command's name, for example {@code digits}
 * @param options every option of the command by its longest name, as JSON values
 * @param resolved what the options resolved to, by name, as JSON values
 */
public record RunRecord(String command, Map<String, Object> options, Map<String, Object> resolved) {

  /** The file name of the record in a run directory. */
  public static final String FILE = "run.json";

  /** Validates and freezes the fields, keeping their order. */
  public RunRecord {
    Objects.requireNonNull(command, "command");
    options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    resolved = Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
  }

  /**
   * This record with one more resolved value.
   *
   * @param key its name
   * @param value a JSON value
   * @return the copy
   */
  public RunRecord resolved(String key, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(resolved);
    more.put(key, value);
    return new RunRecord(command, options, more);
  }

  /**
   * The record as a JSON tree.
   *
   * @return maps, lists and scalars, in the order above
   */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", "solstice-run");
    json.put("formatVersion", 1);
    json.put("libraryVersion", SolsticeVersion.get());
    json.put("command", command);
    json.put("options", options);
    json.put("resolved", resolved);
    return json;
  }
}
