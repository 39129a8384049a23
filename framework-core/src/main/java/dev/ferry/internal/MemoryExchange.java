package dev.ferry.internal;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.BiConsumer;

/**
 * A request served in memory, for {@link dev.ferry.TestClient}: the head a server would have parsed
 * (with {@code Host} and the body's framing field added when the request has none), and the response
 * collected as the engine writes it.
 */
public final class MemoryExchange implements Exchange {

    private final Request request;
    private final Headers headers;
    private ResponseHead head;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private boolean ended;
    private boolean aborted;
    private final java.util.function.Consumer<dev.ferry.spi.WebSocketUpgrade> upgrades;

    /** Wraps the request as a server would have received it. */
    public MemoryExchange(Request request) {
        this(request, null);
    }

    /** Wraps the request as a server would have received it; an accepted WebSocket upgrade goes to {@code upgrades}. */
    public MemoryExchange(Request request, java.util.function.Consumer<dev.ferry.spi.WebSocketUpgrade> upgrades) {
        this.request = request;
        this.upgrades = upgrades;
        Headers fields = request.headers();
        if (!fields.contains("Host")) {
            fields = fields.plus("Host", "localhost");
        }
        long length = request.body().length();
        if (length != 0 && !fields.contains("Content-Length") && !fields.contains("Transfer-Encoding")) {
            fields = length > 0 ? fields.plus("Content-Length", Long.toString(length)) : fields.plus("Transfer-Encoding", "chunked");
        }
        this.headers = fields;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String target() {
        String query = request.rawQuery();
        return request.rawPath() + (query.isEmpty() ? "" : "?" + query);
    }

    @Override
    public String contextPath() {
        return request.contextPath();
    }

    @Override
    public String version() {
        return request.version();
    }

    @Override
    public void headers(BiConsumer<String, String> action) {
        headers.forEach(action);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return request.remoteAddress();
    }

    @Override
    public String scheme() {
        return request.scheme();
    }

    @Override
    public InputStream body() throws IOException {
        return request.body().stream();
    }

    @Override
    public void sendContinue() {
        // nothing waits for it in memory
    }

    @Override
    public void writeHead(ResponseHead head) {
        this.head = head;
    }

    @Override
    public void write(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        body.writeBytes(copy);
    }

    @Override
    public void flush() {
        // everything is in memory already
    }

    @Override
    public void end() {
        ended = true;
    }

    @Override
    public boolean webSockets() {
        return upgrades != null;
    }

    @Override
    public void upgrade(dev.ferry.spi.WebSocketUpgrade upgrade) {
        head = upgrade.head();
        ended = true;
        upgrades.accept(upgrade);
    }

    @Override
    public void abort() {
        aborted = true;
    }

    /**
     * Returns the response as the client would have read it: the status, the app's fields (with
     * {@code Connection} when the engine set one, and the {@code Content-Length} of a HEAD answer) and
     * the whole body.
     *
     * @throws UncheckedIOException when the engine cut the connection instead of ending the response
     */
    public Response response() {
        if (aborted || !ended || head == null) {
            throw new UncheckedIOException(new IOException("the connection was cut after "
                    + (head == null ? "no response" : head.status() + " and " + body.size() + " bytes of its body")));
        }
        Headers.Builder fields = Headers.builder();
        head.forEachAppField(fields::add);
        if (head.connection() != null) {
            fields.add("Connection", head.connection());
        }
        if (head.framing() == ResponseHead.Framing.NONE && head.contentLength() >= 0) {
            fields.add("Content-Length", Long.toString(head.contentLength()));
        }
        Status status = head.reason().equals(Status.of(head.status()).reason()) ? Status.of(head.status())
                : new Status(head.status(), head.reason());
        return Response.of(status, fields.build(), Body.of(body.toByteArray()));
    }
}
