package io.solstice.examples.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * A command's defaults for options it shares with other commands through a mixin (where one
 * {@code defaultValue} cannot suit every command), by option name: any of an option's names
 * may be the key. A command names its subclass in {@code @Command(defaultValueProvider = ...)}.
 */
public abstract class OptionDefaults implements CommandLine.IDefaultValueProvider {
  private final Map<String, String> values;

  /**
   * The defaults.
   *
   * @param values option name to default value
   */
  protected OptionDefaults(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec argument) {
    if (argument instanceof CommandLine.Model.OptionSpec option) {
      for (String name : option.names()) {
        if (values.containsKey(name)) {
          return values.get(name);
        }
      }
    }
    return null;
  }
}
