package io.solstice.examples;

import io.solstice.examples.data.OutputFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** Runs the command line in-process and captures what it printed. */
record Cli(int exitCode, String out, String err) {

  static Cli run(String... args) {
    return run(OutputFiles.LOCAL, args);
  }

  /** Runs the command line writing its files through {@code output} (to inject failures). */
  static Cli run(OutputFiles output, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SolsticeCli.commandLine(output);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  /** The non-blank lines of stderr. */
  List<String> errLines() {
    return err.lines().filter(l -> !l.isBlank()).toList();
  }
}
