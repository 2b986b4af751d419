package io.solstice.arrow.planted;

import io.solstice.examples.data.UsageException;

/** Breaks {@code LIBRARIES_IGNORE_APPLICATIONS}: a library throwing the CLI's exception. */
public final class LibraryUsingExamples {
  public void refuse() {
    throw new UsageException("refused");
  }
}
