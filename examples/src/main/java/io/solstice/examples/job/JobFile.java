package io.solstice.examples.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.solstice.core.io.Json;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code job.json} a training command leaves in its checkpoint directory, so that
 * {@code resume} can rebuild the same job: the command's name and its arguments as typed.
 * Relative paths among them are resolved against the directory the job was started in, which
 * is recorded too.
 *
 * @param command the subcommand, e.g. {@code digits}
 * @param args its arguments
 * @param directory the working directory the job was started in
 */
public record JobFile(String command, List<String> args, Path directory) {

  /** The file name inside a checkpoint directory. */
  public static final String NAME = "job.json";

  /**
   * Freezes the arguments.
   *
   * @param command see the record
   * @param args see the record
   * @param directory see the record
   */
  public JobFile {
    args = List.copyOf(args);
  }

  /**
   * Writes {@code <checkpointDir>/job.json}.
   *
   * @param checkpointDir the job's checkpoint directory (created if missing)
   * @param output how to write it
   * @throws IOException when it cannot be written
   */
  public void write(Path checkpointDir, OutputFiles output) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("command", command);
    json.put("args", args);
    json.put("directory", directory.toAbsolutePath().toString());
    output.writeJson(checkpointDir.resolve(NAME), json);
  }

  /**
   * Reads {@code <checkpointDir>/job.json}.
   *
   * @param checkpointDir a checkpoint directory a job wrote
   * @return the job
   * @throws UsageException when there is none or it cannot be read
   */
  public static JobFile read(Path checkpointDir) {
    Path file = checkpointDir.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      throw new UsageException("no " + NAME + " in " + checkpointDir + "; resume continues a run of 'digits' or "
          + "'train' from its checkpoint directory (or --work-dir)");
    }
    try {
      JsonNode json = Json.readTree(Files.readAllBytes(file));
      List<String> args = new java.util.ArrayList<>();
      json.get("args").forEach(a -> args.add(a.asText()));
      return new JobFile(json.get("command").asText(), args, Path.of(json.get("directory").asText()));
    } catch (IOException | RuntimeException e) {
      throw new UsageException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
