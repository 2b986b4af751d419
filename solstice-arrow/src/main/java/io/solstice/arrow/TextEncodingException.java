package io.solstice.arrow;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A text file is not in the encoding it was read in (UTF-8 unless {@link
 * ReadOptions.Builder#csvEncoding} named another), and its bytes say which one it probably is:
 * Windows-1252 for single-byte text with accented letters (Excel's "CSV" on Windows), UTF-16 for
 * text that starts with its byte order mark (Excel's "Unicode Text"). A caller can read it again
 * in {@link #likelyEncoding()}, or ask for it to be saved as UTF-8.
 *
 * <p>Thread safety: like any exception, safe to hand to another thread once thrown; it holds
 * only its message and encoding.
 */
public final class TextEncodingException extends ArrowDataException {
  private static final long serialVersionUID = 1L;

  private final String what;
  private final transient Charset likelyEncoding;

  /**
   * Creates the exception.
   *
   * @param file the file
   * @param likelyEncoding the encoding the file is probably in
   * @param tried the encoding it was read in
   */
  public TextEncodingException(Path file, Charset likelyEncoding, Charset tried) {
    this(file + " is text in " + (likelyEncoding.equals(StandardCharsets.UTF_16)
        ? "UTF-16 (as Excel saves \"Unicode Text\")"
        : "an encoding other than " + tried.name() + ", probably " + likelyEncoding.name()
            + " (as Excel saves \"CSV\" on Windows; or Latin-1)"), likelyEncoding);
  }

  private TextEncodingException(String what, Charset likelyEncoding) {
    super(null, what + ": read it in that encoding (ReadOptions.Builder.csvEncoding), or save it as UTF-8 (in "
        + "Excel: \"CSV UTF-8\")", null);
    this.what = what;
    this.likelyEncoding = likelyEncoding;
  }

  /**
   * What the file is, without the advice: for a message that gives its own.
   *
   * @return for example {@code "data.csv is text in UTF-16 (as Excel saves "Unicode Text")"}
   */
  public String what() {
    return what;
  }

  /**
   * The encoding the file is probably in.
   *
   * @return for example windows-1252 or UTF-16
   */
  public Charset likelyEncoding() {
    return likelyEncoding;
  }
}
