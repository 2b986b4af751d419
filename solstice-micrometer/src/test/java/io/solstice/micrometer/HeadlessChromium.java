package io.solstice.micrometer;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium driven over the DevTools protocol (JSON over a WebSocket, with the
 * JDK's own client). Tests skip when no {@code chromium} is installed, unless the environment
 * sets {@code SOLSTICE_REQUIRE_CHROMIUM=true} (as {@code .ci/run} does), where they fail. The
 * examples' tests use it too, through this module's test jar.
 */
public final class HeadlessChromium implements AutoCloseable {

  private static final Duration START = Duration.ofSeconds(60);
  private static final Pattern WS_URL = Pattern.compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern TARGET_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

  private final Process process;
  private final Path profile;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private HeadlessChromium(Process process, Path profile, int port) {
    this.process = process;
    this.profile = profile;
    this.port = port;
  }

  /**
   * Starts Chromium, or skips the test when there is none and none is required.
   *
   * @return the browser
   */
  public static HeadlessChromium launch() throws IOException, InterruptedException {
    Path binary = Stream.of("chromium", "chromium-browser", "google-chrome")
        .flatMap(name -> Stream.of(System.getenv("PATH").split(File.pathSeparator))
            .map(dir -> Path.of(dir, name)))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
    if (binary == null) {
      if ("true".equalsIgnoreCase(System.getenv("SOLSTICE_REQUIRE_CHROMIUM"))) {
        fail("SOLSTICE_REQUIRE_CHROMIUM is true but no chromium is on the PATH "
            + "(Debian: apt-get install chromium)");
      }
      Assumptions.abort("no chromium on the PATH (Debian: apt-get install chromium)");
    }
    // In the system's temporary directory rather than the JVM's (the tests' is the build's
    // target/): Chromium opens a Unix socket in it, and a socket's path is at most 107 bytes.
    Path profile = Files.createTempDirectory(Path.of(System.getenv().getOrDefault("TMPDIR", "/tmp")),
        "solstice-chromium");
    // Chromium's own temporary files (its shared memory, with --disable-dev-shm-usage, and that
    // socket) go into the profile too, so that close() removes them with it.
    Path temp = Files.createDirectory(profile.resolve("tmp"));
    ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
        "--remote-debugging-port=0", "--remote-allow-origins=*", "--user-data-dir=" + profile,
        "--window-size=1280,900", "about:blank")
        .redirectErrorStream(true)
        .redirectOutput(profile.resolve("chromium.log").toFile());
    builder.environment().put("TMPDIR", temp.toString());
    Process process = builder.start();
    // Chromium writes its DevTools port into the profile once it listens.
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + START.toNanos();
    while (!Files.isRegularFile(portFile) || Files.readAllLines(portFile).isEmpty()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(profile.resolve("chromium.log"));
        process.destroyForcibly();
        fail("chromium did not start: " + log);
      }
      Thread.sleep(100);
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    return new HeadlessChromium(process, profile, port);
  }

  /**
   * Opens a new tab on {@code url}.
   *
   * @param url the page
   * @return the tab
   */
  public Page open(URI url) throws IOException, InterruptedException {
    HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + port + "/json/new?"
                    + URLEncoder.encode(url.toString(), StandardCharsets.UTF_8)))
            .PUT(HttpRequest.BodyPublishers.noBody()).timeout(START).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher ws = WS_URL.matcher(created.body());
    Matcher id = TARGET_ID.matcher(created.body());
    if (!ws.find() || !id.find()) {
      fail("chromium did not open a tab: " + created.body());
    }
    Listener listener = new Listener();
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws.group(1)), listener).join();
    return new Page(id.group(1), socket, listener);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    // Chromium's helper processes outlive the browser's own for a moment and still write into
    // the profile (its network state): the profile is removed once all of them have exited.
    List<ProcessHandle> processes = Stream.concat(process.descendants(), Stream.of(process.toHandle()))
        .collect(Collectors.toList());
    process.destroy();
    for (ProcessHandle handle : processes) {
      if (!exited(handle)) {
        handle.destroyForcibly();
        exited(handle);
      }
    }
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private static boolean exited(ProcessHandle handle) throws InterruptedException {
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException | TimeoutException notExited) {
      return false;
    }
  }

  /** One tab, spoken to through its DevTools WebSocket. */
  public final class Page implements AutoCloseable {
    private static final Pattern NUMBER = Pattern.compile("\"value\"\\s*:\\s*(-?[0-9.eE+]+)");
    private static final Pattern DATA = Pattern.compile("\"data\"\\s*:\\s*\"([^\"]+)\"");

    private final String targetId;
    private final WebSocket socket;
    private final Listener listener;
    private final AtomicInteger ids = new AtomicInteger();

    private Page(String targetId, WebSocket socket, Listener listener) {
      this.targetId = targetId;
      this.socket = socket;
      this.listener = listener;
    }

    /**
     * Evaluates a JavaScript expression whose value is a number.
     *
     * @param expression the expression
     * @return its value
     */
    public double number(String expression) throws InterruptedException {
      String reply = call("Runtime.evaluate", "{\"expression\":" + quote(expression)
          + ",\"returnByValue\":true}");
      Matcher number = NUMBER.matcher(reply);
      if (!number.find()) {
        fail("not a number: " + expression + " gave " + reply);
      }
      return Double.parseDouble(number.group(1));
    }

    /**
     * Saves a PNG screenshot of the tab.
     *
     * @param file where to
     */
    public void screenshot(Path file) throws IOException, InterruptedException {
      Matcher data = DATA.matcher(call("Page.captureScreenshot", "{\"format\":\"png\"}"));
      if (!data.find()) {
        fail("no screenshot");
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, Base64.getDecoder().decode(data.group(1)));
    }

    private String call(String method, String params) throws InterruptedException {
      int id = ids.incrementAndGet();
      socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}",
          true).join();
      long deadline = System.nanoTime() + START.toNanos();
      while (System.nanoTime() < deadline) {
        String message = listener.messages.poll(1, TimeUnit.SECONDS);
        if (message != null && message.startsWith("{\"id\":" + id + ",")) {
          if (message.contains("\"error\"") || message.contains("\"exceptionDetails\"")) {
            fail(method + " failed: " + message);
          }
          return message;
        }
      }
      return fail("no reply to " + method);
    }

    /** Closes the tab, as a user closing the page. */
    @Override
    public void close() throws IOException, InterruptedException {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
      http.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + port + "/json/close/" + targetId)).timeout(START).build(),
          HttpResponse.BodyHandlers.discarding());
    }

  }

  /** Collects whole messages; DevTools replies and events alike. */
  private static final class Listener implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
