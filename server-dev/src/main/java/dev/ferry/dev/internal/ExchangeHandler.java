package dev.ferry.dev.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Dispatcher;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * Turns one JDK exchange into a Ferry request, runs it through the {@link Dispatcher} and writes
 * the response as is. Checks what the JDK parser lets through but Ferry's contract rejects: request
 * line and header limits (414, 431), a missing or repeated Host on HTTP/1.1, a malformed
 * Content-Length and an unknown protocol version.
 */
final class ExchangeHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger("dev.ferry.dev");

    private final Dispatcher dispatcher;
    private final ServerConfig config;
    private final RequestLog log;

    ExchangeHandler(Dispatcher dispatcher, ServerConfig config, RequestLog log) {
        this.dispatcher = dispatcher;
        this.config = config;
        this.log = log;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String method = exchange.getRequestMethod();
        String target = exchange.getRequestURI().toString();
        Counter counter = new Counter();
        int status = 0;
        try {
            String version = exchange.getProtocol();
            com.sun.net.httpserver.Headers jdkHeaders = exchange.getRequestHeaders();
            Headers.Builder headers = Headers.builder();
            Response rejected = check(method, target, version, jdkHeaders, headers);
            if (rejected != null) {
                status = rejected.status().code();
                if (!write(exchange, false, rejected, counter)) {
                    throw new ClosedAfterResponse();
                }
                return;
            }
            Headers built = headers.build();
            Request.Builder request = Request.builder()
                    .method(Method.of(method))
                    .target(target)
                    .version(version)
                    .headers(built)
                    .body(body(exchange, built))
                    .remoteAddress(exchange.getRemoteAddress());
            Response response = dispatcher.dispatch(request);
            if (asksToClose(built) && !response.headers().contains("Connection")) {
                response = response.withHeader("Connection", "close"); // the JDK closes but does not say so
            }
            try {
                status = response.status().code();
                if (!write(exchange, method.equals("HEAD"), response, counter)) {
                    throw new ClosedAfterResponse();
                }
            } finally {
                dispatcher.finished();
            }
        } catch (ClosedAfterResponse e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // the response could not be written in full: the JDK closes the connection when a
            // handler throws, so a client never mistakes a cut-off body for a complete one
            LOG.log(System.Logger.Level.DEBUG, () -> "aborted " + method + " " + target, e);
            status = status == 0 ? 500 : status;
            throw e;
        } finally {
            if (log != null) {
                log.log(method, target, status, counter.count, System.nanoTime() - start);
            }
        }
    }

    private Response check(String method, String target, String version, com.sun.net.httpserver.Headers jdk,
                           Headers.Builder copy) {
        if (method.length() + target.length() + version.length() + 2 > config.maxRequestLine()) {
            return close(Status.URI_TOO_LONG, "URI Too Long");
        }
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            return version.matches("HTTP/[0-9]\\.[0-9]")
                    ? close(Status.HTTP_VERSION_NOT_SUPPORTED, "HTTP Version Not Supported")
                    : close(Status.BAD_REQUEST, "Bad Request: malformed request line");
        }
        try {
            Method.of(method);
        } catch (IllegalArgumentException e) {
            return close(Status.BAD_REQUEST, "Bad Request: malformed method");
        }
        int count = 0;
        long bytes = 0;
        for (Map.Entry<String, List<String>> field : jdk.entrySet()) {
            String name = field.getKey();
            for (String value : field.getValue()) {
                if (hasControl(value)) {
                    return close(Status.BAD_REQUEST, "Bad Request: control character in a header value");
                }
                count++;
                bytes += name.length() + value.length() + 4;
                copy.add(name, value);
            }
        }
        if (count > config.maxHeaderCount() || bytes > config.maxHeaderBytes()) {
            return close(Status.REQUEST_HEADER_FIELDS_TOO_LARGE, "Request Header Fields Too Large");
        }
        List<String> hosts = jdk.get("Host");
        if (version.equals("HTTP/1.1") && (hosts == null || hosts.size() != 1)) {
            return close(Status.BAD_REQUEST, hosts == null ? "Bad Request: missing Host header"
                    : "Bad Request: more than one Host header");
        }
        String length = jdk.getFirst("Content-Length");
        if (length != null && (length.isEmpty() || length.length() > 18 || !digits(length))) {
            return close(Status.BAD_REQUEST, "Bad Request: invalid Content-Length");
        }
        return null;
    }

    /** The JDK's parser lets NUL and other control characters through in header values; RFC 9110 does not. */
    private static boolean hasControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static boolean asksToClose(Headers headers) {
        for (String value : headers.all("Connection")) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean digits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static Response close(Status status, String message) {
        return Response.error(status, message).withHeader("Connection", "close");
    }

    private static Body body(HttpExchange exchange, Headers headers) {
        if (headers.contains("Transfer-Encoding")) {
            return Body.of(exchange.getRequestBody(), -1);
        }
        String length = headers.firstOrNull("Content-Length");
        long n = length == null ? 0 : Long.parseLong(length);
        return n == 0 ? Body.empty() : Body.of(exchange.getRequestBody(), n);
    }

    /** Thrown once a complete response was flushed, so that the JDK closes the connection without draining. */
    private static final class ClosedAfterResponse extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClosedAfterResponse() {
            super("connection closed after the response", null, false, false);
        }
    }

    /**
     * Writes the response as the dispatcher returned it: the Content-Length header when present,
     * else the body's known length, else chunked; no body for HEAD, 1xx, 204 and 304. The JDK adds
     * {@code Date} and closes the connection after a response carrying {@code Connection: close}.
     *
     * @return false when a complete response with {@code Connection: close} was flushed and the
     *     exchange left open, for the caller to close the connection without the JDK's wait for
     *     an unread request body to arrive
     */
    private static boolean write(HttpExchange exchange, boolean head, Response response, Counter counter)
            throws IOException {
        com.sun.net.httpserver.Headers out = exchange.getResponseHeaders();
        if (response.headers().contains("Connection")) {
            out.remove("Connection"); // the JDK may have set one for HTTP/1.0; the response's own value wins
        }
        response.headers().forEach(out::add);
        Status status = response.status();
        Body body = response.body();
        if (head || status.forbidsBody()) {
            exchange.sendResponseHeaders(status.code(), -1);
            exchange.close();
            return true;
        }
        String declared = response.headers().firstOrNull("Content-Length");
        long length = declared != null ? Long.parseLong(declared.trim()) : body.length();
        if (length == 0) {
            exchange.sendResponseHeaders(status.code(), -1);
            exchange.close();
            return true;
        }
        exchange.sendResponseHeaders(status.code(), length > 0 ? length : 0);
        counter.out = exchange.getResponseBody();
        switch (body) {
            case Body.Streamed streamed -> streamed.writer().writeTo(counter);
            default -> body.writeTo(counter);
        }
        if (length > 0 && "close".equalsIgnoreCase(response.headers().firstOrNull("Connection"))) {
            counter.out.flush();
            return false;
        }
        counter.out.close();
        return true;
    }

    /** Counts the body bytes written and passes writes and flushes straight through. */
    private static final class Counter extends OutputStream {
        OutputStream out;
        long count;

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // the server closes the exchange once the body is done, not the app
        }
    }
}
