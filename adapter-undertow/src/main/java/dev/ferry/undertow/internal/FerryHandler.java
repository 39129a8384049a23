package dev.ferry.undertow.internal;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.spi.Dispatcher;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.util.concurrent.Executor;

/**
 * The bridge: turns each Undertow exchange into a Ferry request, runs it through the {@link Dispatcher}
 * on a virtual thread (or inline on the IO thread), and writes the response the cheapest way Undertow
 * allows: one write for bytes, zero-copy transfer for files, a flushable chunked stream otherwise.
 */
final class FerryHandler implements HttpHandler {

    private static final System.Logger LOG = System.getLogger("dev.ferry.undertow");

    private final Dispatcher dispatcher;
    private final Executor virtualThreads;
    private final boolean inline;
    private final long stallNanos;
    private final ExchangeCompletionListener finisher;

    FerryHandler(Dispatcher dispatcher, Executor virtualThreads, boolean inline, long stallNanos) {
        this.dispatcher = dispatcher;
        this.virtualThreads = virtualThreads;
        this.inline = inline;
        this.stallNanos = stallNanos;
        this.finisher = (exchange, next) -> {
            dispatcher.finished();
            next.proceed();
        };
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Response refusal = HeadGuard.refusal(exchange);
        if (refusal != null) {
            send(exchange, refusal);
        } else if (inline && exchange.isRequestComplete()) {
            serve(exchange);
        } else {
            // a request body is read blocking, which the IO thread must never do
            exchange.dispatch(virtualThreads, () -> serve(exchange));
        }
    }

    private void serve(HttpServerExchange exchange) {
        Request.Builder request = Request.builder()
                .method(Method.of(exchange.getRequestMethod().toString()))
                .target(target(exchange))
                .version(exchange.getProtocol().toString())
                .scheme(exchange.getRequestScheme())
                .headers(headers(exchange.getRequestHeaders()))
                .remoteAddress(exchange.getSourceAddress());
        if (!exchange.isRequestComplete()) {
            request.body(Body.of(new ExchangeInput(exchange, stallNanos), exchange.getRequestContentLength()));
        }
        exchange.addExchangeCompleteListener(finisher);
        Response response = dispatcher.dispatch(request);
        if (response.status().code() == 400 && HeadGuard.malformedBody(exchange)) {
            response = response.withHeader("Connection", "close");
        }
        Body body = response.body();
        if (exchange.isInIoThread() || body instanceof Body.Stream || body instanceof Body.Streamed) {
            send(exchange, response);
        } else {
            // finish on the IO thread: completing an exchange from another thread races Undertow's read
            // listener, which spins until the completing thread is done
            Response done = response;
            exchange.dispatch(exchange.getIoThread(), () -> send(exchange, done));
        }
    }

    private static String target(HttpServerExchange exchange) {
        String query = exchange.getQueryString();
        return query.isEmpty() ? exchange.getRequestURI() : exchange.getRequestURI() + '?' + query;
    }

    private static Headers headers(HeaderMap map) {
        Headers.Builder headers = Headers.builder();
        for (HeaderValues values : map) {
            String name = values.getHeaderName().toString();
            for (int i = 0; i < values.size(); i++) {
                headers.add(name, values.get(i));
            }
        }
        return headers.build();
    }

    private void send(HttpServerExchange exchange, Response response) {
        try {
            Status status = response.status();
            exchange.setStatusCode(status.code());
            if (!status.reason().equals(StatusCodes.getReason(status.code()))) {
                exchange.setReasonPhrase(status.reason());
            }
            HeaderMap out = exchange.getResponseHeaders();
            response.headers().forEach((name, value) -> out.add(name(name), value));
            String connection = response.headers().firstOrNull("Connection");
            if (connection != null && connection.regionMatches(true, 0, "close", 0, 5)) {
                exchange.setPersistent(false);
            }
            boolean explicitLength = out.contains(io.undertow.util.Headers.CONTENT_LENGTH);
            Body body = response.body();
            switch (body) {
                case Body.Empty empty -> {
                    if (!explicitLength && !status.forbidsBody()) {
                        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
                            // the body GET would send has no known length: neither Content-Length nor
                            // Transfer-Encoding, as on every server (the HEAD channel drops the chunk framing)
                            exchange.getResponseChannel();
                            out.remove(io.undertow.util.Headers.TRANSFER_ENCODING);
                        } else {
                            exchange.setResponseContentLength(0);
                        }
                    }
                    exchange.endExchange();
                }
                // the sender sets Content-Length to the buffer's length
                case Body.Bytes bytes -> exchange.getResponseSender().send(bytes.buffer());
                case Body.File file -> sendFile(exchange, file);
                default -> {
                    if (exchange.isInIoThread()) {
                        exchange.dispatch(virtualThreads, () -> stream(exchange, body, explicitLength));
                    } else {
                        stream(exchange, body, explicitLength);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(exchange, e);
        }
    }

    private static HttpString name(String name) {
        HttpString cached = io.undertow.util.Headers.fromCache(name);
        return cached != null ? cached : new HttpString(name);
    }

    private void sendFile(HttpServerExchange exchange, Body.File file) throws IOException {
        FileChannel channel = FileChannel.open(file.path());
        exchange.setResponseContentLength(file.length());
        exchange.getResponseSender().transferFrom(channel, new IoCallback() {
            @Override
            public void onComplete(HttpServerExchange done, Sender sender) {
                closeQuietly(channel);
                IoCallback.END_EXCHANGE.onComplete(done, sender);
            }

            @Override
            public void onException(HttpServerExchange failed, Sender sender, IOException exception) {
                closeQuietly(channel);
                IoCallback.END_EXCHANGE.onException(failed, sender, exception);
            }
        });
    }

    private void stream(HttpServerExchange exchange, Body body, boolean explicitLength) {
        if (!explicitLength && body.length() >= 0) {
            exchange.setResponseContentLength(body.length());
        } else if (!explicitLength && exchange.isHttp11()) {
            // chunked even when the connection closes afterwards, so the client can tell a complete body
            exchange.getResponseHeaders().put(io.undertow.util.Headers.TRANSFER_ENCODING, "chunked");
        }
        try (OutputStream out = new ExchangeOutput(exchange, stallNanos)) {
            if (body instanceof Body.Streamed streamed) {
                OutputStream buffered = new BufferedOutputStream(out, 8192);
                streamed.writer().writeTo(new FilterOutputStream(buffered) {
                    @Override
                    public void write(byte[] bytes, int offset, int length) throws IOException {
                        buffered.write(bytes, offset, length);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                });
                buffered.flush();
            } else {
                try (InputStream in = body.stream()) {
                    in.transferTo(out);
                }
            }
        } catch (Exception e) {
            fail(exchange, e);
        }
        exchange.endExchange();
    }

    private void fail(HttpServerExchange exchange, Exception e) {
        if (exchange.isResponseStarted()) {
            LOG.log(System.Logger.Level.DEBUG, "response to " + exchange.getRequestURI() + " broke off", e);
            closeQuietly(exchange.getConnection());
            exchange.endExchange();
            return;
        }
        Status status = e instanceof HttpException http ? http.status() : Status.INTERNAL_SERVER_ERROR;
        if (status == Status.INTERNAL_SERVER_ERROR) {
            LOG.log(System.Logger.Level.ERROR, "could not send the response to " + exchange.getRequestURI(), e);
        }
        exchange.getResponseHeaders().clear();
        exchange.setPersistent(false);
        send(exchange, Response.error(status, status.reason()).withHeader("Connection", "close"));
    }

    static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // closing what already failed or is done
        }
    }
}
