package io.solstice.examples.spark;

/** Whether optional classes (Spark's, loaded only by the jobs) are on the classpath. */
final class SparkClasspath {
  private SparkClasspath() {}

  /**
   * Whether a class can be found without initializing it.
   *
   * @param className the class
   * @return true when it is on the classpath
   */
  static boolean has(String className) {
    try {
      Class.forName(className, false, SparkClasspath.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
