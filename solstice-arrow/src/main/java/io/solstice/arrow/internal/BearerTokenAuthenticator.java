package io.solstice.arrow.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * Accepts a call only if it carries {@code Authorization: Bearer <token>} with the configured
 * token (compared in constant time); any other call is refused with UNAUTHENTICATED before
 * the producer sees it.
 *
 * <p>Thread safety: thread-safe (its token is final); gRPC calls it from any thread.
 */
public final class BearerTokenAuthenticator implements CallHeaderAuthenticator {
  private final byte[] expected;

  /**
   * Creates the authenticator.
   *
   * @param token the token clients must present
   */
  public BearerTokenAuthenticator(String token) {
    this.expected = (Auth2Constants.BEARER_PREFIX + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public AuthResult authenticate(CallHeaders headers) {
    String presented = headers.get(Auth2Constants.AUTHORIZATION_HEADER);
    if (presented == null
        || !MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
      throw CallStatus.UNAUTHENTICATED
          .withDescription("this server requires 'Authorization: Bearer <token>' with the right token")
          .toRuntimeException();
    }
    return () -> "bearer-token-client";
  }
}
