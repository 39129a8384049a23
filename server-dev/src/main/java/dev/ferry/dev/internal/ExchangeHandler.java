package dev.ferry.dev.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.ferry.spi.Engine;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** Hands each JDK exchange to the {@link Engine} and carries out what it writes, logging one line per request. */
final class ExchangeHandler implements HttpHandler {

    private final Engine engine;
    private final RequestLog log;

    ExchangeHandler(Engine engine, RequestLog log) {
        this.engine = engine;
        this.log = log;
    }

    @Override
    public void handle(HttpExchange http) throws IOException {
        long start = System.nanoTime();
        JdkExchange exchange = new JdkExchange(http);
        try {
            engine.serve(exchange);
        } finally {
            if (log != null) {
                log.log(http.getRequestMethod(), http.getRequestURI().toString(), exchange.status, exchange.bytes,
                        System.nanoTime() - start);
            }
        }
        if (exchange.cut) {
            // the JDK closes a connection whose handler throws, without ending the response or draining the
            // request body: a cut-off body is never taken for a complete one
            throw new IOException("connection cut after the response" + (exchange.status == 0 ? "" : " began"));
        }
    }

    /** One JDK exchange as the engine sees it. */
    private static final class JdkExchange implements Exchange {
        private final HttpExchange http;
        private OutputStream out;
        private ResponseHead head;
        int status;
        long bytes;
        boolean cut;

        JdkExchange(HttpExchange http) {
            this.http = http;
        }

        @Override
        public String method() {
            return http.getRequestMethod();
        }

        @Override
        public String target() {
            return http.getRequestURI().toString();
        }

        @Override
        public String version() {
            return http.getProtocol();
        }

        @Override
        public void headers(BiConsumer<String, String> action) {
            for (Map.Entry<String, List<String>> field : http.getRequestHeaders().entrySet()) {
                for (String value : field.getValue()) {
                    action.accept(field.getKey(), value);
                }
            }
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return http.getRemoteAddress();
        }

        @Override
        public InputStream body() {
            return http.getRequestBody();
        }

        @Override
        public void sendContinue() {
            // the JDK has already sent 100 Continue on its own when the request asked for it
        }

        @Override
        public void writeHead(ResponseHead head) throws IOException {
            this.head = head;
            this.status = head.status();
            com.sun.net.httpserver.Headers fields = http.getResponseHeaders();
            fields.remove("Connection"); // the JDK may have set one for HTTP/1.0; the engine's decides
            boolean bodyless = head.framing() == ResponseHead.Framing.NONE;
            head.forEach((name, value) -> {
                // the JDK writes Date and the framing of a body itself
                if (!name.equals("Date") && (bodyless || !name.equals("Content-Length") && !name.equals("Transfer-Encoding"))) {
                    fields.add(name, value);
                }
            });
            long length = switch (head.framing()) {
                case NONE -> -1;
                case LENGTH -> head.contentLength() == 0 ? -1 : head.contentLength();
                case CHUNKED, UNTIL_CLOSE -> 0;
            };
            http.sendResponseHeaders(head.status(), length);
            out = http.getResponseBody();
        }

        @Override
        public void write(ByteBuffer data) throws IOException {
            int n = data.remaining();
            if (data.hasArray()) {
                out.write(data.array(), data.arrayOffset() + data.position(), n);
                data.position(data.limit());
            } else {
                byte[] copy = new byte[n];
                data.get(copy);
                out.write(copy);
            }
            bytes += n;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void end() throws IOException {
            if (head.closes() && head.framing() == ResponseHead.Framing.LENGTH && head.contentLength() > 0) {
                // closing the JDK's exchange would first wait for any unread request body to arrive
                out.flush();
                cut = true;
                return;
            }
            out.close();
            http.close();
        }

        @Override
        public void abort() {
            cut = true;
        }
    }
}
