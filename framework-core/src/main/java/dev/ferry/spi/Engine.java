package dev.ferry.spi;

import dev.ferry.Handler;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Duration;

/**
 * Everything between a parsed request head and a finished response that could differ between
 * servers, decided once: the request's framing and limits, {@code 100 Continue}, running the app,
 * errors before the response is committed (a status) and after (an aborted connection), the response's
 * fields, framing, {@code Date} and {@code Connection}, the requests in flight, the stop sequence and
 * the access log ({@link dev.ferry.server.ServerConfig#accessLog()}), one line per request in one format.
 * An adapter hands each request to {@link #serve} as an {@link Exchange} and carries out what it is
 * told.
 */
public interface Engine {

    /**
     * How long a connection that closes after its response first waits for the client to end its side, dropping
     * what it still sends: closing with the client's bytes unread would make the kernel reset the connection and
     * destroy the end of that response. The connection's output ends (FIN) before the wait.
     */
    Duration LINGER = Duration.ofSeconds(2);

    /** Returns an engine that serves the app under these settings. */
    static Engine create(Handler app, ServerConfig config) {
        return new ExchangeEngine(app, config);
    }

    /**
     * Serves one exchange: refuses a request the contract does not accept, runs the app, and writes
     * the response through the exchange. It returns once the response is written, or, when called on
     * an IO thread for a response that must stream, once the rest is handed to
     * {@link Exchange#offload}. Never throws.
     */
    void serve(Exchange exchange);

    /** Returns the number of exchanges being served. */
    int inFlight();

    /** Returns whether a stop has begun; from then on every request is answered 503 and the connection closed. */
    boolean stopping();

    /**
     * The one stop sequence: from now on every new request gets 503 with {@code Connection: close} and
     * never reaches the app, while the listener stays open so that late arrivals get that answer too;
     * once no exchange is in flight, or the grace period is over, {@code stopAccepting} and then
     * {@code closeConnections} run. Returns whether every exchange finished in time.
     */
    boolean stop(Duration grace, Runnable stopAccepting, Runnable closeConnections);

    /**
     * Returns a whole response refusing a request before any app sees it, to write straight to the
     * connection and close: the status, {@code Date}, {@code Connection: close} and the message as a
     * plain-text body.
     */
    static byte[] refusal(Status status, String message) {
        return ExchangeEngine.encode(ExchangeEngine.refusalHead(Response.error(status, message), false), message);
    }

    /**
     * Returns a copy of a failure fit for a log line: the message and type of each cause with control
     * characters escaped, so that text a client chose can never start a line of its own.
     */
    static Throwable loggable(Throwable failure) {
        return dev.ferry.internal.Loggable.of(failure);
    }

    /**
     * Returns the exception a server throws when it cannot listen, worded the same on every server:
     * {@code cannot listen on HOST:PORT: address already in use}, or the cause's own message.
     */
    static UncheckedIOException cannotListen(String host, int port, Throwable cause) {
        String where = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        Throwable bind = cause;
        while (bind != null && !(bind instanceof BindException)) {
            bind = bind.getCause();
        }
        String why = bind != null ? "address already in use" : String.valueOf(cause.getMessage());
        if (bind != null && bind.getMessage() != null && !bind.getMessage().toLowerCase(java.util.Locale.ROOT).contains("in use")) {
            why = bind.getMessage();
        }
        IOException io = cause instanceof IOException e ? e : new IOException(cause);
        return new UncheckedIOException("cannot listen on " + where + ": " + why, io);
    }
}
