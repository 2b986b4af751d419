package io.solstice.examples.stream;

import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.arrow.ReadOptions;
import io.solstice.examples.data.UsageException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import reactor.core.publisher.Flux;

/**
 * A user's Arrow Flight endpoint: the stream of one ticket ({@code DoGet}), with a bearer token
 * when the server requires one (as {@code FlightBatchServer.Builder#requireToken} does).
 */
public final class FlightEndpoint implements StreamSource {
  private final Location location;
  private final String ticket;
  private final String token;

  /**
   * An endpoint.
   *
   * @param uri the server, {@code grpc+tcp://host:port} or {@code grpc+tls://host:port}
   * @param ticket the ticket of the stream to read, as UTF-8 text
   * @param token the bearer token, or null to send none
   * @throws UsageException when the URI is not a Flight location
   */
  public FlightEndpoint(String uri, String ticket, String token) {
    try {
      this.location = new Location(uri);
    } catch (URISyntaxException e) {
      throw new UsageException("--flight: not a URI: " + uri + " (" + e.getReason() + ")");
    }
    String scheme = location.getUri().getScheme();
    if (!scheme.startsWith("grpc")) {
      throw new UsageException("--flight: " + uri + " is not a Flight location (grpc+tcp://HOST:PORT or grpc+tls://HOST:PORT)");
    }
    this.ticket = ticket;
    this.token = token;
  }

  @Override
  public String describe() {
    return "Reading the Flight stream of ticket '" + ticket + "' at " + location.getUri()
        + (token == null ? "" : " (with a bearer token)");
  }

  @Override
  public Flux<ArrowBatch> batches(BufferAllocator allocator) {
    CallOption[] options = token == null ? new CallOption[0] : new CallOption[] {ArrowSources.bearerToken(token)};
    return ArrowSources.flight(location, new Ticket(ticket.getBytes(StandardCharsets.UTF_8)), allocator,
            ReadOptions.defaults(), options)
        .onErrorMap(FlightRuntimeException.class, this::explain);
  }

  private UsageException explain(FlightRuntimeException e) {
    FlightStatusCode code = e.status().code();
    String why = switch (code) {
      case UNAVAILABLE -> "cannot reach the Flight endpoint " + location.getUri();
      case UNAUTHENTICATED -> "the Flight endpoint " + location.getUri() + " refused the call: "
          + (token == null ? "it needs a token (--token)" : "wrong token (--token)");
      case UNAUTHORIZED -> "the Flight endpoint " + location.getUri() + " does not let this token read ticket '"
          + ticket + "'";
      case NOT_FOUND -> "the Flight endpoint " + location.getUri() + " has no stream for ticket '" + ticket + "'";
      default -> "the Flight endpoint " + location.getUri() + " failed: " + code;
    };
    String detail = e.status().description();
    UsageException usage = new UsageException(why + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"));
    usage.initCause(e);
    return usage;
  }
}
