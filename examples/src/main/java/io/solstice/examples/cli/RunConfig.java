package io.solstice.examples.cli;

import io.solstice.core.io.Json;
import io.solstice.examples.data.OutputFiles;
import io.solstice.examples.data.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --config FILE} option of a command ({@code @Mixin RunConfig config;}), and the
 * other direction: every option's value as JSON ({@link #options(CommandSpec)}), which the run
 * record ({@code run.json}) holds.
 *
 * <p>{@code --config} reads the {@code options} of a run record (or any JSON object of option
 * names and values) and makes them the command's defaults: an option given on the command line
 * wins, one in the file comes next, then the command's own default. picocli applies defaults
 * after it has matched the command line, to the options that were not given, so the position of
 * {@code --config} among the arguments does not matter. {@code solstice digits --config
 * run.json} therefore repeats the recorded run exactly (add {@code --work-dir} to write it
 * elsewhere).
 */
public final class RunConfig {

  /** Options that say how to call the command, not how to run it: never recorded or read. */
  private static final Set<String> NOT_RECORDED = Set.of("--help", "--version", "--config");

  @Spec(Spec.Target.MIXEE)
  private CommandSpec command;

  /** Creates the option; picocli fills it. */
  public RunConfig() {}

  @Option(names = "--config", paramLabel = "FILE",
      description = "Take every option not given here from this run record (a run's run.json) to repeat that run.")
  void load(Path config) {
    Map<String, Object> options;
    try {
      options = byLongestName(readOptions(config), config);
    } catch (UsageException | UncheckedIOException e) {
      // A parameter error: picocli prints it with the usage and exits with code 2.
      String reason = e instanceof UncheckedIOException io ? e.getMessage() + ": " + OutputFiles.reason(io.getCause())
          : e.getMessage();
      throw new CommandLine.ParameterException(command.commandLine(), reason, e);
    }
    CommandLine.IDefaultValueProvider own = command.defaultValueProvider();
    command.defaultValueProvider(argument -> {
      String recorded = argument instanceof OptionSpec option && options.containsKey(option.longestName())
          ? asArgument(option, options.get(option.longestName()))
          : null;
      return recorded != null ? recorded : own == null ? null : own.defaultValue(argument);
    });
  }

  /**
   * Every option of a parsed command and its value (given, from {@code --config}, or default),
   * by its longest name, in declaration order, as JSON values: strings, numbers, booleans, lists
   * and maps; null for an option that has no value.
   *
   * @param command the parsed command
   * @return the values
   */
  public static Map<String, Object> options(CommandSpec command) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (OptionSpec option : command.options()) {
      if (!NOT_RECORDED.contains(option.longestName())) {
        values.put(option.longestName(), json(option.getValue()));
      }
    }
    return values;
  }

  /** The JSON form of an option's value. */
  private static Object json(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean || value instanceof String) {
      return value;
    }
    if (value.getClass().isArray()) {
      List<Object> items = new ArrayList<>();
      for (int i = 0; i < Array.getLength(value); i++) {
        items.add(json(Array.get(value, i)));
      }
      return items;
    }
    if (value instanceof Collection<?> collection) {
      return collection.stream().map(RunConfig::json).toList();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> entries = new LinkedHashMap<>();
      map.forEach((key, item) -> entries.put(String.valueOf(key), json(item)));
      return entries;
    }
    return value.toString(); // paths, enums
  }

  /** The command-line text picocli turns back into the recorded value, or null for none. */
  private static String asArgument(OptionSpec option, Object value) {
    if (value == null) {
      return null;
    }
    String separator = option.splitRegex().isEmpty() ? "," : option.splitRegex();
    if (value instanceof List<?> list) {
      return String.join(separator, list.stream().map(String::valueOf).toList());
    }
    if (value instanceof Map<?, ?> map) {
      List<String> pairs = new ArrayList<>();
      map.forEach((key, item) -> pairs.add(key + "=" + item));
      return String.join(separator, pairs);
    }
    return String.valueOf(value);
  }

  /**
   * The values by each option's longest name, the name the defaults are looked up by: a file
   * written by hand may use any of an option's names ({@code --lr}); a name that is no option of
   * this command is an error, not a setting silently ignored.
   */
  private Map<String, Object> byLongestName(Map<String, Object> values, Path config) {
    Map<String, Object> options = new LinkedHashMap<>();
    values.forEach((name, value) -> {
      OptionSpec option = command.findOption(name);
      if (option == null || NOT_RECORDED.contains(option.longestName())) {
        throw new UsageException("--config " + config + ": '" + command.name() + "' has no option " + name
            + (option == null ? "" : " that a config can set"));
      }
      options.put(option.longestName(), value);
    });
    return options;
  }

  /** The options of a run record, or the whole object when it has no {@code options}. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readOptions(Path config) {
    try {
      Map<String, Object> json = Json.readObject(Files.readAllBytes(config));
      Object options = json.getOrDefault("options", json);
      if (!(options instanceof Map<?, ?>)) {
        throw new UsageException("--config " + config + ": 'options' is not a JSON object of option values");
      }
      return (Map<String, Object>) options;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UsageException("--config " + config + " is not a JSON object: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read --config " + config, e);
    }
  }
}
