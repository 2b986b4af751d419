package io.solstice.core.checkpoint;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.io.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint says about itself, stored as {@code manifest.json} inside the checkpoint's
 * {@code .npz} (numpy lists it as a non-array entry and ignores it). Keeping the manifest in
 * the same file as the arrays makes a checkpoint one file, written and renamed in one atomic
 * step, so the two can never disagree.
 *
 * <p>The RNG state of an experiment is not a separate field: an experiment that wants its
 * random generators restored exposes their state among its {@link
 * io.solstice.core.Checkpointable#state() named arrays}, which the checkpoint stores with the
 * parameters.
 *
 * <p>Thread safety: immutable (its maps and lists are unmodifiable copies); safe to share.
 *
 * @param formatVersion the version of this format, {@value #FORMAT_VERSION}
 * @param libraryVersion the Solstice version that wrote the checkpoint
 * @param experimentType the experiment's class name, for messages
 * @param createdAt when it was written (ISO-8601)
 * @param trigger why it was written: {@code step}, {@code epoch}, {@code time}, {@code end} or
 *     {@code manual}
 * @param position the loop counters a resumed run starts from, with the engine state it continues
 *     ({@link RunPosition#engineState})
 * @param sourcePosition where the data source stood (file and batch, stream offsets), as the
 *     source or user reported it; empty when unknown
 * @param callbackStates the saved state of each stateful callback, by the name it was
 *     registered under
 * @param metrics the latest merged metrics of each mode at save time, keyed {@code
 *     <mode>/<metric>} (for example {@code train/loss}, {@code val/accuracy}); a monitored metric
 *     (used to keep the best checkpoints) is among them
 * @param run the run's record: its resolved configuration (options, model sizes, optimizer,
 *     seed, library version) as the application gave it; empty when none was given
 * @param arrays one entry per stored array, with its checksum
 */
public record CheckpointManifest(
    int formatVersion,
    String libraryVersion,
    String experimentType,
    String createdAt,
    String trigger,
    RunPosition position,
    Map<String, Object> sourcePosition,
    Map<String, Map<String, Object>> callbackStates,
    Map<String, Double> metrics,
    Map<String, Object> run,
    List<ArrayEntry> arrays) {

  /** The current format version. */
  public static final int FORMAT_VERSION = 1;

  /** The name of the manifest entry inside the {@code .npz}. */
  public static final String ENTRY_NAME = "manifest.json";

  /** Validates and freezes the fields. */
  public CheckpointManifest {
    Objects.requireNonNull(position, "position");
    trigger = trigger == null ? "manual" : trigger;
    experimentType = experimentType == null ? "" : experimentType;
    libraryVersion = libraryVersion == null ? "" : libraryVersion;
    createdAt = createdAt == null ? "" : createdAt;
    sourcePosition = freeze(sourcePosition);
    callbackStates = callbackStates == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(callbackStates));
    metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    run = freeze(run);
    arrays = arrays == null ? List.of() : List.copyOf(arrays);
  }

  /**
   * A manifest for a checkpoint at the given position; the store fills in the version, the
   * time and the arrays when it writes.
   *
   * @param position the loop counters
   * @return the manifest
   */
  public static CheckpointManifest at(RunPosition position) {
    return new CheckpointManifest(
        FORMAT_VERSION, null, null, null, "manual", position, null, null, null, null, null);
  }

  /**
   * This manifest with another trigger.
   *
   * @param newTrigger why the checkpoint is written
   * @return the copy
   */
  public CheckpointManifest withTrigger(String newTrigger) {
    return new CheckpointManifest(formatVersion, libraryVersion, experimentType, createdAt,
        newTrigger, position, sourcePosition, callbackStates, metrics, run, arrays);
  }

  /**
   * This manifest with the experiment's class name.
   *
   * @param type the class name
   * @return the copy
   */
  public CheckpointManifest withExperimentType(String type) {
    return new CheckpointManifest(formatVersion, libraryVersion, type, createdAt,
        trigger, position, sourcePosition, callbackStates, metrics, run, arrays);
  }

  /**
   * This manifest with a source position.
   *
   * @param source where the source stood; JSON-compatible values only
   * @return the copy
   */
  public CheckpointManifest withSourcePosition(Map<String, Object> source) {
    return new CheckpointManifest(formatVersion, libraryVersion, experimentType, createdAt,
        trigger, position, source, callbackStates, metrics, run, arrays);
  }

  /**
   * This manifest with callback states.
   *
   * @param states state by callback name; JSON-compatible values only
   * @return the copy
   */
  public CheckpointManifest withCallbackStates(Map<String, Map<String, Object>> states) {
    return new CheckpointManifest(formatVersion, libraryVersion, experimentType, createdAt,
        trigger, position, sourcePosition, states, metrics, run, arrays);
  }

  /**
   * This manifest with monitored metric values.
   *
   * @param values the values
   * @return the copy
   */
  public CheckpointManifest withMetrics(Map<String, Double> values) {
    return new CheckpointManifest(formatVersion, libraryVersion, experimentType, createdAt,
        trigger, position, sourcePosition, callbackStates, values, run, arrays);
  }

  /**
   * The key of a metric in {@link #metrics()}: {@code <mode>/<metric>}, for example {@code
   * val/loss}.
   *
   * @param mode the mode the metric was merged over
   * @param metric the metric's key in the computed values
   * @return the key
   */
  public static String metricKey(Mode mode, String metric) {
    return mode.label() + "/" + metric;
  }

  /**
   * This manifest with the run's record.
   *
   * @param record the resolved configuration of the run; JSON-compatible values only
   * @return the copy
   */
  public CheckpointManifest withRun(Map<String, Object> record) {
    return new CheckpointManifest(formatVersion, libraryVersion, experimentType, createdAt,
        trigger, position, sourcePosition, callbackStates, metrics, record, arrays);
  }

  CheckpointManifest completed(String version, String time, List<ArrayEntry> entries) {
    return new CheckpointManifest(FORMAT_VERSION, version, experimentType, time,
        trigger, position, sourcePosition, callbackStates, metrics, run, entries);
  }

  /**
   * The entry of the array of that name.
   *
   * @param name the array's name
   * @return the entry, or null
   */
  public ArrayEntry array(String name) {
    for (ArrayEntry entry : arrays) {
      if (entry.name().equals(name)) {
        return entry;
      }
    }
    return null;
  }

  /**
   * One stored array.
   *
   * @param name the array's name in the experiment's state
   * @param entry the zip entry holding it ({@code name + ".npy"})
   * @param dtype the numpy type string, for example {@code <f4}
   * @param shape the shape as stored (rank-0 arrays are stored with shape {@code [1]})
   * @param sha256 the SHA-256 of the whole {@code .npy} entry, in lower-case hex
   */
  public record ArrayEntry(String name, String entry, String dtype, List<Long> shape, String sha256) {
    /** Validates and freezes the fields. */
    public ArrayEntry {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(entry, "entry");
      Objects.requireNonNull(dtype, "dtype");
      Objects.requireNonNull(sha256, "sha256");
      shape = List.copyOf(shape);
    }
  }

  Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("format", "solstice-checkpoint");
    json.put("formatVersion", formatVersion);
    json.put("libraryVersion", libraryVersion);
    json.put("experimentType", experimentType);
    json.put("createdAt", createdAt);
    json.put("trigger", trigger);
    Map<String, Object> counters = new LinkedHashMap<>();
    counters.put("epoch", position.epoch());
    counters.put("batchesIntoEpoch", position.batchesIntoEpoch());
    counters.put("trainSteps", position.trainSteps());
    counters.put("valSteps", position.valSteps());
    if (!position.engineState().isEmpty()) {
      counters.put("engineState", position.engineState());
    }
    json.put("position", counters);
    json.put("sourcePosition", sourcePosition);
    json.put("callbackStates", callbackStates);
    json.put("metrics", metrics);
    json.put("run", run);
    List<Map<String, Object>> entries = new ArrayList<>();
    for (ArrayEntry array : arrays) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", array.name());
      entry.put("entry", array.entry());
      entry.put("dtype", array.dtype());
      entry.put("shape", array.shape());
      entry.put("sha256", array.sha256());
      entries.add(entry);
    }
    json.put("arrays", entries);
    return json;
  }

  @SuppressWarnings("unchecked")
  static CheckpointManifest fromJson(Map<String, Object> json) {
    if (!"solstice-checkpoint".equals(json.get("format"))) {
      throw new IllegalArgumentException("manifest is not a Solstice checkpoint manifest");
    }
    int version = (int) Json.toLong(json.get("formatVersion"));
    if (version > FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "checkpoint format version " + version + " is newer than this library's ("
              + FORMAT_VERSION + "); upgrade Solstice to read it");
    }
    Map<String, Object> counters = (Map<String, Object>) json.get("position");
    RunPosition position =
        new RunPosition(
            (int) Json.toLong(counters.get("epoch")),
            Json.toLong(counters.get("batchesIntoEpoch")),
            Json.toLong(counters.get("trainSteps")),
            Json.toLong(counters.get("valSteps")),
            (Map<String, Object>) counters.getOrDefault("engineState", Map.of()));
    Map<String, Double> metrics = new LinkedHashMap<>();
    ((Map<String, Object>) json.getOrDefault("metrics", Map.of()))
        .forEach((key, value) -> metrics.put(key, Json.toDouble(value)));
    List<ArrayEntry> arrays = new ArrayList<>();
    for (Map<String, Object> entry : (List<Map<String, Object>>) json.get("arrays")) {
      List<Long> shape = new ArrayList<>();
      for (Object dim : (List<Object>) entry.get("shape")) {
        shape.add(Json.toLong(dim));
      }
      arrays.add(
          new ArrayEntry(
              (String) entry.get("name"),
              (String) entry.get("entry"),
              (String) entry.get("dtype"),
              shape,
              (String) entry.get("sha256")));
    }
    return new CheckpointManifest(
        version,
        (String) json.get("libraryVersion"),
        (String) json.get("experimentType"),
        (String) json.get("createdAt"),
        (String) json.get("trigger"),
        position,
        (Map<String, Object>) json.get("sourcePosition"),
        (Map<String, Map<String, Object>>) json.get("callbackStates"),
        metrics,
        (Map<String, Object>) json.get("run"),
        arrays);
  }

  /** An unmodifiable copy that keeps null values (JSON's null), which {@code Map.copyOf} refuses. */
  static Map<String, Object> freeze(Map<String, Object> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }
}
