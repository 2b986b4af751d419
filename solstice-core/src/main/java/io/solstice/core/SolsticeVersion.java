package io.solstice.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The library version (recorded in checkpoints, printed by the command line), read from a
 * resource the build fills in.
 *
 * <p>Thread safety: thread-safe; the version is read once into a constant.
 */
public final class SolsticeVersion {

  private static final String VERSION = load();

  private SolsticeVersion() {}

  /**
   * The version, or {@code "unknown"} when the resource is absent.
   *
   * @return the version
   */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = SolsticeVersion.class.getResourceAsStream("/io/solstice/core/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
