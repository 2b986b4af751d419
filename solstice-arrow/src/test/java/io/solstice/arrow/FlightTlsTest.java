package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flight server over TLS with a token: a client that trusts the server's certificate and
 * sends the token reads every row. The self-signed certificate is made at test time with the
 * JDK's keytool.
 */
class FlightTlsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir Path dir;
  final RootAllocator allocator = new RootAllocator();

  @AfterEach
  void closeAllocator() {
    allocator.close();
  }

  /** Makes a self-signed certificate for 127.0.0.1 and writes it and its key as PEM. */
  private Path[] selfSignedPem() throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Assumptions.assumeTrue(Files.isExecutable(keytool), "the JDK's keytool is needed to make a test certificate");
    Path store = dir.resolve("server.p12");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "RSA",
        "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASSWORD))
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    PrivateKey key = (PrivateKey) keys.getKey("server", PASSWORD);
    Certificate cert = keys.getCertificate("server");
    Path certPem = Files.writeString(dir.resolve("server.pem"), pem("CERTIFICATE", cert.getEncoded()));
    Path keyPem = Files.writeString(dir.resolve("server.key"), pem("PRIVATE KEY", key.getEncoded()));
    return new Path[] {certPem, keyPem};
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  @Test
  void aTrustingClientWithTheTokenReadsEveryRowOverTls() throws Exception {
    Path[] pem = selfSignedPem();
    Path file = TestData.writeIpcFile(dir, "t.arrow", allocator, 3, 10);
    try (FlightBatchServer server = FlightBatchServer.builder(allocator, t -> ArrowSources.ipcFile(file, allocator))
        .requireToken("s3cret").useTls(pem[0], pem[1]).start()) {
      assertThat(server.location().getUri().getScheme()).isEqualTo("grpc+tls");
      long rows = ArrowSources.flight("tls", a -> {
            try (InputStream trusted = Files.newInputStream(pem[0])) {
              return FlightClient.builder(a, server.location()).trustedCertificates(trusted).build();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }, FlightTest.TICKET, allocator, ReadOptions.defaults(), ArrowSources.bearerToken("s3cret"))
          .map(b -> {
            try (b) {
              return (long) b.rowCount();
            }
          }).reduce(0L, Long::sum).block();
      assertThat(rows).isEqualTo(30);
    }
  }
}
