package dev.ferry.spi;

import dev.ferry.Body;
import dev.ferry.ErrorRenderer;
import dev.ferry.Errors;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.internal.Access;
import dev.ferry.internal.Fields;
import dev.ferry.internal.Loggable;
import dev.ferry.internal.WebSocketAccept;
import dev.ferry.internal.WebSocketExtensions;
import dev.ferry.internal.WebSocketSession;
import dev.ferry.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@link Engine}: one implementation of the exchange for every server. */
final class ExchangeEngine implements Engine {

    private static final System.Logger LOG = System.getLogger("dev.ferry");
    private static final System.Logger ACCESS = System.getLogger("dev.ferry.access");
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
    private static final String ALLOWED = "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH, TRACE";
    /** An unread request body up to this size is read and dropped to keep the connection; a longer one closes it. */
    static final long DRAIN_LIMIT = 256 * 1024;

    private final Handler app;
    private final long maxRequestBody;
    private final long bodyReadTimeout;
    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final boolean accessLog;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxWebSocketMessage;
    private final long webSocketIdleNanos;
    private final java.util.Set<WebSocketSession> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ExchangeEngine(Handler app, ServerConfig config) {
        this.app = app;
        this.maxRequestBody = config.maxRequestBody();
        this.bodyReadTimeout = config.bodyReadTimeout().toNanos();
        this.maxRequestLine = config.maxRequestLine();
        this.maxHeaderBytes = config.maxHeaderBytes();
        this.maxHeaderCount = config.maxHeaderCount();
        this.accessLog = config.accessLog();
        this.maxWebSocketMessage = config.maxWebSocketMessage();
        this.webSocketIdleNanos = config.webSocketIdleTimeout().toNanos();
    }

    @Override
    public void serve(Exchange exchange) {
        inFlight.incrementAndGet();
        boolean handedOff = false;
        try {
            handedOff = run(exchange, accessLog && ACCESS.isLoggable(System.Logger.Level.INFO) ? new Trace(System.nanoTime()) : null);
        } catch (Throwable e) {
            // a bug of an adapter or the engine: the connection cannot be trusted any more
            LOG.log(System.Logger.Level.ERROR, "serving a request failed", Loggable.of(e));
            exchange.abort();
        } finally {
            if (!handedOff) {
                inFlight.decrementAndGet();
            }
        }
    }

    /** Serves the exchange; returns whether the rest was handed to another thread, which then ends it. */
    private boolean run(Exchange exchange, Trace trace) {
        RequestFacts facts = new RequestFacts();
        exchange.headers(facts);
        String version = exchange.version();
        boolean http2 = exchange.http2();
        boolean http10 = !http2 && version.equals("HTTP/1.0");
        String target = exchange.target();
        if (trace != null) {
            trace.request(exchange, target);
        }
        Status refused = facts.refusal(exchange.method(), target, version, http10, http2, maxRequestLine,
                maxHeaderBytes, maxHeaderCount);
        if (refused == null && http2 && !exchange.scheme().equals(exchange.requestScheme())) {
            refused = Status.BAD_REQUEST; // no :scheme, or another than the connection's (RFC 9113, section 8.3.1)
        }
        if (refused == null) {
            refused = facts.target(target, exchange.method());
        }
        Method method = refused == null ? Method.of(exchange.method()) : Method.GET;
        boolean head = method.equals(Method.HEAD);
        Connection connection = new Connection(http10, http2, http2 || facts.keepAlive(http10));
        if (refused != null) {
            // a malformed head or target: refused in plain text, as HeadCheck refuses in front of a server
            return respond(exchange, head, connection.close(), error(refused, null), null, trace);
        }
        long declared = facts.declaredLength();
        if (declared == 0 && http2 && exchange.bodyFollows()) {
            declared = -1; // a body of unknown length: DATA frames follow
        }
        Headers headers = Access.requests().parsedHeaders(facts.fields, facts.size);
        if (stopping) {
            return respond(exchange, head, connection.close(), refusal(headers, Status.SERVICE_UNAVAILABLE, null), null,
                    trace);
        }
        if (facts.unknownExpectation && !http10) {
            return respond(exchange, head, connection.close(), refusal(headers, Status.EXPECTATION_FAILED, null), null,
                    trace);
        }
        if (target.equals("*")) {
            // OPTIONS * asks about the server, not a resource: answered here, as Tomcat answers it itself
            return respond(exchange, false, declared != 0 ? connection.close() : connection,
                    Response.ok().withHeader("Allow", ALLOWED), null, trace);
        }
        if (declared > maxRequestBody) {
            return respond(exchange, head, connection.close(), refusal(headers, Status.CONTENT_TOO_LARGE, null), null,
                    trace);
        }
        RequestBody body = declared == 0 ? null
                : new RequestBody(exchange, declared, maxRequestBody, bodyReadTimeout, facts.expectContinue && !http10);
        Request request;
        try {
            request = Request.builder()
                    .method(method)
                    .target(target)
                    .version(version)
                    .scheme(exchange.scheme())
                    .contextPath(exchange.contextPath())
                    .headers(headers)
                    .body(body == null ? Body.empty() : Body.of(body, declared))
                    .remoteAddress(exchange.remoteAddress())
                    .build();
        } catch (HttpException e) {
            return respond(exchange, head, connection.close(), refusal(headers, e.status(), e.getMessage()), null, trace);
        }
        Response response = handle(request);
        if (response.status().code() == 101 && response.body() instanceof Body.Streamed streamed
                && streamed.writer() instanceof WebSocketAccept accept) {
            return upgrade(exchange, request, response, accept, connection, body, trace);
        }
        if (body != null && body.failure() != null && response.status().code() != body.failure().code()) {
            // the body broke its framing or its limit while the app read it, and the app answered
            // something else: the failure decides the answer
            response = Errors.render(request, body.failure(), null);
        }
        return respond(exchange, head, connection, response, body, trace);
    }

    /** Carries out an upgrade to WebSocket the app accepted, on a server that can. */
    private boolean upgrade(Exchange exchange, Request request, Response response, WebSocketAccept accept,
                            Connection connection, RequestBody body, Trace trace) {
        if (!exchange.webSockets()) {
            Response refused = Errors.render(request, Status.NOT_IMPLEMENTED, "WebSocket needs a production server; "
                    + "this one cannot upgrade a connection. Add dev.ferry:ferry-adapter-netty, ferry-adapter-undertow "
                    + "or ferry-adapter-tomcat.");
            return respond(exchange, false, connection.close(), refused, body, trace);
        }
        String[] fields = new String[response.headers().size() * 2 + 8];
        int[] n = {0};
        boolean[] wrong = {false};
        response.headers().forEach((name, value) -> {
            if (Fields.problem(name, value) != null) {
                wrong[0] = true;
            } else if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Upgrade")
                    && !name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Transfer-Encoding")
                    && !name.equalsIgnoreCase("Date") && !name.regionMatches(true, 0, "Sec-WebSocket-", 0, 14)) {
                fields[n[0]++] = name;
                fields[n[0]++] = value;
            }
        });
        if (wrong[0]) {
            LOG.log(System.Logger.Level.ERROR, "a WebSocket upgrade's response fields cannot be sent; sending 500");
            return respond(exchange, false, connection.close(), error(Status.INTERNAL_SERVER_ERROR, null), body, trace);
        }
        fields[n[0]++] = "Upgrade";
        fields[n[0]++] = "websocket";
        fields[n[0]++] = "Sec-WebSocket-Accept";
        fields[n[0]++] = accept.accept();
        if (!accept.subprotocol().isEmpty()) {
            fields[n[0]++] = "Sec-WebSocket-Protocol";
            fields[n[0]++] = accept.subprotocol();
        }
        WebSocketDeflate deflate = accept.compress()
                ? WebSocketDeflate.agree(WebSocketExtensions.parse(accept.request().headers().all("Sec-WebSocket-Extensions")))
                : null;
        if (deflate != null) {
            fields[n[0]++] = "Sec-WebSocket-Extensions";
            fields[n[0]++] = deflate.header();
        }
        ResponseHead head = new ResponseHead(101, "Switching Protocols", fields, n[0], HttpDate.now(), "Upgrade",
                ResponseHead.Framing.NONE, -1);
        WebSocketSession session = new WebSocketSession(accept.request(), accept.endpoint(), accept.subprotocol(),
                maxWebSocketMessage, webSocketIdleNanos, sessions::remove);
        sessions.add(session);
        try {
            exchange.upgrade(new WebSocketUpgrade(head, accept.key(), maxWebSocketMessage, deflate, session));
            if (trace != null) {
                trace.log(101, 0, false);
            }
        } catch (IOException | RuntimeException e) {
            sessions.remove(session);
            LOG.log(System.Logger.Level.DEBUG, "a WebSocket upgrade failed", Loggable.of(e));
            exchange.abort();
            if (trace != null) {
                trace.log(101, 0, true);
            }
        }
        return false;
    }

    private Response handle(Request request) {
        try {
            Response response = app.handle(request);
            if (response == null) {
                throw new IllegalStateException("the handler returned no response");
            }
            return response;
        } catch (Throwable e) {
            // what escapes every filter; Errors logs it unless it is an HttpException or mapped
            return Errors.response(request, e);
        }
    }

    private static Response error(Status status, String message) {
        return Response.error(status, message == null ? status.reason() : message);
    }

    /** An error answered before the app runs, rendered for the request's {@code Accept}. */
    private static Response refusal(Headers headers, Status status, String message) {
        return ErrorRenderer.standard().render(Request.builder().headers(headers).build(), status,
                message == null ? status.reason() : message);
    }

    /** What the request says about keeping its connection, and what the engine has decided since. */
    private static final class Connection {
        final boolean http10;
        final boolean http2;
        boolean close;

        Connection(boolean http10, boolean http2, boolean keepAlive) {
            this.http10 = http10;
            this.http2 = http2;
            this.close = !keepAlive;
        }

        Connection close() {
            close = true;
            return this;
        }
    }

    /** Decides the head and writes the response; returns whether the rest was handed to another thread. */
    private boolean respond(Exchange exchange, boolean headRequest, Connection connection, Response response,
                            RequestBody body, Trace trace) {
        Decision decision = decide(headRequest, connection, response);
        if (decision == null) {
            response = error(Status.INTERNAL_SERVER_ERROR, null);
            decision = decide(headRequest, connection, response);
        }
        Body content = decision.body;
        boolean streams = (content instanceof Body.Stream || content instanceof Body.Streamed)
                && decision.framing != ResponseHead.Framing.NONE;
        RequestBody drainAfterBody = null;
        if (body != null && !body.complete()) {
            // what the app left unread is dropped to keep the connection: now for a response already in
            // memory; after the body for one that streams (it may stream the request body itself), which
            // is only possible when the body's length tells the client where the response ends
            if (!streams) {
                connection.close |= !body.drain(DRAIN_LIMIT);
            } else if (decision.framing == ResponseHead.Framing.LENGTH && body.drainable(DRAIN_LIMIT)) {
                drainAfterBody = body;
            } else {
                connection.close = true;
            }
        }
        if (stopping) {
            connection.close = true;
        }
        ResponseHead head = decision.head(connection);
        long sent = 0;
        boolean cut = false;
        try {
            switch (content) {
                case Body.Bytes bytes when head.framing() != ResponseHead.Framing.NONE -> {
                    ByteBuffer buffer = bytes.buffer();
                    sent = buffer.remaining();
                    exchange.send(head, buffer);
                }
                case Body.File file when head.framing() != ResponseHead.Framing.NONE -> {
                    sent = file.length();
                    exchange.sendFile(head, file.path(), file.offset(), file.length());
                }
                case Body.Stream stream when streams -> {
                    return stream(exchange, head, stream, drainAfterBody, trace);
                }
                case Body.Streamed streamed when streams -> {
                    return stream(exchange, head, streamed, drainAfterBody, trace);
                }
                default -> exchange.send(head, NOTHING);
            }
        } catch (IOException | RuntimeException e) {
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, "the response could not be sent", Loggable.of(e));
            }
            exchange.abort();
            cut = true;
        }
        if (trace != null) {
            trace.log(head.status(), sent, cut);
        }
        return false;
    }

    private boolean stream(Exchange exchange, ResponseHead head, Body body, RequestBody unread, Trace trace) {
        if (exchange.onIoThread()) {
            exchange.offload(() -> {
                try {
                    streamNow(exchange, head, body, unread, trace);
                } finally {
                    inFlight.decrementAndGet();
                }
            });
            return true;
        }
        streamNow(exchange, head, body, unread, trace);
        return false;
    }

    private void streamNow(Exchange exchange, ResponseHead head, Body body, RequestBody unread, Trace trace) {
        ResponseOutput out = new ResponseOutput(exchange, head);
        int code = head.status();
        long sent = -1;
        boolean cut = false;
        try {
            if (body instanceof Body.Streamed streamed) {
                streamed.writer().writeTo(out);
            } else {
                try (InputStream in = body.stream()) {
                    in.transferTo(out);
                }
            }
            out.complete();
            if (unread != null && !unread.drain(DRAIN_LIMIT)) {
                // the response is whole by its length; the connection cannot be read on
                exchange.abort();
                cut = true;
                return;
            }
            exchange.end();
        } catch (Throwable e) {
            if (out.committed()) {
                if (!(e instanceof IOException)) {
                    LOG.log(System.Logger.Level.ERROR, "the response body failed after it started; the connection is cut",
                            Loggable.of(e));
                }
                exchange.abort();
                cut = true;
                return;
            }
            Status status = e instanceof HttpException http ? http.status() : Status.INTERNAL_SERVER_ERROR;
            if (!(e instanceof HttpException)) {
                LOG.log(System.Logger.Level.ERROR, "the response body failed before anything was sent", Loggable.of(e));
            }
            Response error = error(status, e instanceof HttpException http ? http.getMessage() : null);
            code = status.code();
            sent = error.body().length();
            try {
                exchange.send(refusalHead(error, head.http2()), ((Body.Bytes) error.body()).buffer());
            } catch (IOException | RuntimeException gone) {
                exchange.abort();
                cut = true;
            }
        } finally {
            if (trace != null) {
                trace.log(code, sent < 0 ? out.written() : sent, cut);
            }
        }
    }

    /** What the access log needs of an exchange, when it is on: one line once the response is written. */
    private static final class Trace {
        final long start;
        String method;
        String target;
        java.net.InetSocketAddress client;

        Trace(long start) {
            this.start = start;
        }

        void request(Exchange exchange, String target) {
            this.method = exchange.method();
            this.target = target;
            this.client = exchange.remoteAddress();
        }

        void log(int status, long bytes, boolean cut) {
            ACCESS.log(System.Logger.Level.INFO, AccessLine.format(client, method, target, status, bytes,
                    System.nanoTime() - start, cut));
        }
    }

    /** The statuses after which every server closes the connection, as Tomcat always does. */
    private static boolean dropsConnection(int status) {
        return switch (status) {
            case 400, 408, 411, 413, 414, 500, 501, 503 -> true;
            default -> false;
        };
    }

    /** A response checked and turned into fields and framing; the connection is decided last. */
    private static final class Decision {
        Status status;
        String reason;
        String[] fields;
        int size;
        String date;
        boolean appCloses;
        ResponseHead.Framing framing;
        long length;
        Body body;

        ResponseHead head(Connection connection) {
            if (connection.http2) {
                // a stream ends by its own frames; the connection and its other streams go on
                return new ResponseHead(status.code(), reason, fields, size, date, null, framing, length, true);
            }
            boolean close = connection.close || appCloses || framing == ResponseHead.Framing.UNTIL_CLOSE
                    || dropsConnection(status.code());
            String value = close ? "close" : connection.http10 ? "keep-alive" : null;
            connection.close = close;
            return new ResponseHead(status.code(), reason, fields, size, date, value, framing, length);
        }
    }

    /** Checks the response and decides its fields and framing; null when it cannot be sent as it is. */
    private static Decision decide(boolean headRequest, Connection connection, Response response) {
        Decision d = new Decision();
        Status status = response.status();
        if (status.code() < 200 || status.code() > 999) {
            LOG.log(System.Logger.Level.ERROR, "a handler answered with status " + status.code()
                    + ", which is not a final status; sending 500");
            return null;
        }
        d.status = status;
        d.reason = status.reason();
        Headers headers = response.headers();
        String[] fields = new String[headers.size() * 2];
        int[] n = {0};
        String[] problem = {null};
        String[] appLength = {null};
        boolean checked = Access.requests().checked(headers); // else a request's fields, sent back as they came
        headers.forEach((name, value) -> {
            String wrong = checked ? null : Fields.problem(name, value);
            if (wrong != null) {
                problem[0] = wrong;
                return;
            }
            switch (name.length()) {
                case 4 -> {
                    if (name.equalsIgnoreCase("Date")) {
                        d.date = value;
                        return;
                    }
                }
                case 10 -> {
                    if (name.equalsIgnoreCase("Connection")) {
                        d.appCloses |= hasToken(value, "close");
                        return;
                    }
                    if (name.equalsIgnoreCase("Keep-Alive")) {
                        return;
                    }
                }
                case 14 -> {
                    if (name.equalsIgnoreCase("Content-Length")) {
                        if (appLength[0] != null && !appLength[0].equals(value)) {
                            problem[0] = "Content-Length is set twice";
                        }
                        appLength[0] = value;
                        return;
                    }
                }
                case 17 -> {
                    if (name.equalsIgnoreCase("Transfer-Encoding")) {
                        return;
                    }
                }
                case 2, 7 -> {
                    if (name.equalsIgnoreCase("TE") || name.equalsIgnoreCase("Trailer")
                            || name.equalsIgnoreCase("Upgrade") && status.code() != 426) {
                        return;
                    }
                }
                default -> {
                }
            }
            fields[n[0]++] = name;
            fields[n[0]++] = value;
        });
        if (problem[0] != null) {
            LOG.log(System.Logger.Level.ERROR, "a handler's response cannot be sent, sending 500 instead: " + problem[0]);
            return null;
        }
        d.fields = fields;
        d.size = n[0];
        if (d.date == null) {
            d.date = HttpDate.now();
        }
        long declared = -1;
        if (appLength[0] != null) {
            declared = parseLength(appLength[0]);
            if (declared < 0) {
                LOG.log(System.Logger.Level.ERROR, "a handler's Content-Length is not a number of bytes: '"
                        + Fields.printable(appLength[0]) + "'; sending 500");
                return null;
            }
        }
        Body body = response.body();
        long known = body.length();
        if (status.forbidsBody()) {
            discard(body);
            d.framing = ResponseHead.Framing.NONE;
            d.length = -1;
            d.body = Body.empty();
        } else if (headRequest) {
            discard(body);
            d.framing = ResponseHead.Framing.NONE;
            d.length = known >= 0 ? known : declared;
            d.body = Body.empty();
        } else if (known >= 0) {
            d.framing = ResponseHead.Framing.LENGTH;
            d.length = known;
            d.body = body;
        } else if (declared >= 0) {
            d.framing = ResponseHead.Framing.LENGTH;
            d.length = declared;
            d.body = body;
        } else {
            d.framing = connection.http10 ? ResponseHead.Framing.UNTIL_CLOSE : ResponseHead.Framing.CHUNKED;
            d.length = -1;
            d.body = body;
        }
        return d;
    }

    private static void discard(Body body) {
        if (body instanceof Body.Stream stream) {
            try {
                stream.stream().close();
            } catch (IOException | IllegalStateException e) {
                // nothing was sent from it, so there is nothing to report
            }
        }
    }

    /** Returns the number, or -1 when the text is not 1 to 18 digits. */
    static long parseLength(String text) {
        int n = text.length();
        if (n == 0 || n > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Returns whether the comma-separated list holds the token, compared case-insensitively. */
    static boolean hasToken(String list, String token) {
        int n = list.length();
        int start = 0;
        for (int i = 0; i <= n; i++) {
            if (i == n || list.charAt(i) == ',') {
                int from = start;
                int to = i;
                while (from < to && (list.charAt(from) == ' ' || list.charAt(from) == '\t')) {
                    from++;
                }
                while (to > from && (list.charAt(to - 1) == ' ' || list.charAt(to - 1) == '\t')) {
                    to--;
                }
                if (to - from == token.length() && list.regionMatches(true, from, token, 0, token.length())) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /** Returns the head of an error the engine sends on its own: no keep-alive after it. */
    static ResponseHead refusalHead(Response error, boolean http2) {
        String[] fields = {"Content-Type", error.headers().firstOrNull("Content-Type")};
        return new ResponseHead(error.status().code(), error.status().reason(), fields, 2, HttpDate.now(),
                http2 ? null : "close", ResponseHead.Framing.LENGTH, error.body().length(), http2);
    }

    static byte[] encode(ResponseHead head, String body) {
        byte[] start = head.encode();
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(start, start.length + content.length);
        System.arraycopy(content, 0, all, start.length, content.length);
        return all;
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    public boolean stopping() {
        return stopping;
    }

    @Override
    public boolean stop(Duration grace, Runnable stopAccepting, Runnable closeConnections) {
        stopping = true;
        sessions.forEach(WebSocketSession::goAway);
        boolean drained = false;
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            while (!(drained = inFlight.get() <= 0) && System.nanoTime() - deadline < 0) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!drained) {
            LOG.log(System.Logger.Level.WARNING, inFlight.get() + " requests still running after the "
                    + grace.toMillis() + " ms shutdown grace period; closing their connections");
        }
        try {
            stopAccepting.run();
        } finally {
            closeConnections.run();
        }
        return drained;
    }
}
