package dev.ferry.testkit.reference;

import dev.ferry.Body;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.spi.Engine;
import dev.ferry.spi.Exchange;
import dev.ferry.spi.ResponseHead;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A small blocking HTTP/1.1 server, one virtual thread per connection, written only to check the
 * conformance suite itself: it meets the whole contract, and each {@link Flaw} breaks one thing so
 * that tests can show the suite catches it. Not a product: no TLS, no tuning.
 */
public final class ReferenceServer implements Server {

    /** A deliberate defect, to prove the suite notices it. */
    public enum Flaw {
        /** None: the server meets the contract. */
        NONE,
        /** Sends only the last value of a repeated response header, as a map-backed adapter would. */
        DROPS_REPEATED_HEADERS,
        /** Answers malformed framing with 400 but keeps the connection open and reads on. */
        KEEPS_OPEN_AFTER_400,
        /** Never times out a client that is slow to send its headers. */
        NO_HEADER_TIMEOUT
    }

    private static final DateTimeFormatter DATE = DateTimeFormatter.RFC_1123_DATE_TIME;
    private static final int MAX_CHUNK_LINE = 1024;

    private final ServerConfig config;
    private final Flaw flaw;
    private final Engine engine;
    private final ServerSocket listener;
    private final Semaphore permits;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean stopping;

    ReferenceServer(Handler app, ServerConfig config, Flaw flaw) {
        this.config = config;
        this.flaw = flaw;
        this.engine = Engine.create(app, config);
        this.permits = new Semaphore(config.maxConnections());
        try {
            // TLS from the core's context, as every server: the listener hands out sockets that decrypt
            javax.net.ssl.SSLContext tls = config.tls().map(dev.ferry.spi.TlsContext::create).orElse(null);
            listener = tls == null ? new ServerSocket() : tls.getServerSocketFactory().createServerSocket();
            if (listener instanceof javax.net.ssl.SSLServerSocket secure) {
                secure.setSSLParameters(dev.ferry.spi.TlsContext.parameters(tls));
            }
            listener.bind(new InetSocketAddress(InetAddress.getByName(config.host().orElse("127.0.0.1")), config.port()), 1024);
        } catch (IOException e) {
            throw Engine.cannotListen(config.host().orElse("127.0.0.1"), config.port(), e);
        }
        acceptor = Thread.ofPlatform().name("reference-acceptor").daemon().start(this::accept);
    }

    private void accept() {
        while (!stopping) {
            try {
                permits.acquire();
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (IOException e) {
                    permits.release();
                    return;
                }
                Connection connection = new Connection(socket);
                connections.add(connection);
                Thread.ofVirtual().start(connection::serve);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    @Override
    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public void stop(Duration grace) {
        engine.stop(grace, () -> {
            stopping = true;
            try {
                listener.close();
            } catch (IOException ignored) {
                // already closed
            }
            acceptor.interrupt();
        }, () -> connections.forEach(Connection::close));
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }

    /** Thrown by the parser: answer this status, then close. */
    private static final class Reject extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        Reject(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private volatile boolean idle = true;
        private long deadline;
        private boolean broken;

        Connection(Socket socket) {
            this.socket = socket;
            try {
                socket.setTcpNoDelay(true);
                this.in = new BufferedInputStream(socket.getInputStream(), 8192);
                this.out = new BufferedOutputStream(socket.getOutputStream(), 16384);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void closeIfIdle() {
            if (idle) {
                close();
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }

        /**
         * Ends the output, then drops what the client still sends until it ends its side or {@link Engine#LINGER}
         * passes: closing on unread bytes would make the kernel reset the connection and destroy the last answer.
         */
        private void lingerAndClose() {
            try {
                out.flush();
                socket.shutdownOutput();
                long deadline = System.nanoTime() + Engine.LINGER.toNanos();
                byte[] dropped = new byte[8192];
                long left;
                while ((left = deadline - System.nanoTime()) > 0) {
                    socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                    if (in.read(dropped) < 0) {
                        break;
                    }
                }
            } catch (IOException e) {
                // the time is up, or the connection is gone
            }
            close();
        }

        void serve() {
            try {
                boolean first = true;
                while (!stopping) {
                    idle = true;
                    int b = firstByte(first);
                    idle = false;
                    if (b < 0) {
                        return;
                    }
                    first = false;
                    if (!exchange(b)) {
                        lingerAndClose();
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away or timed out between requests
            } finally {
                close();
                connections.remove(this);
                permits.release();
            }
        }

        private int firstByte(boolean first) throws IOException {
            Duration wait = first ? config.requestHeaderTimeout() : config.idleTimeout();
            if (flaw == Flaw.NO_HEADER_TIMEOUT && first) {
                wait = Duration.ofMinutes(10);
            }
            deadline = System.nanoTime() + wait.toNanos();
            try {
                socket.setSoTimeout((int) wait.toMillis());
                return in.read();
            } catch (SocketTimeoutException e) {
                return -1;
            }
        }

        /** Reads and answers one request whose first byte was read; returns whether to go on. */
        private boolean exchange(int firstByte) throws IOException {
            Duration headerTime = flaw == Flaw.NO_HEADER_TIMEOUT ? Duration.ofMinutes(10) : config.requestHeaderTimeout();
            deadline = System.nanoTime() + headerTime.toNanos();
            ReferenceExchange exchange;
            Method method;
            boolean http10;
            BodyStream body;
            try {
                String line = line(firstByte, config.maxRequestLine(), 414, "request line");
                // empty lines before the request line are passed over (RFC 9112 section 2.2)
                for (int blanks = 0; line.isEmpty(); blanks++) {
                    if (blanks * 2 > config.maxRequestLine()) {
                        throw new Reject(400, "too many empty lines");
                    }
                    line = line(-1, config.maxRequestLine(), 414, "request line");
                }
                String[] parts = line.split(" ", -1);
                if (parts.length != 3) {
                    throw new Reject(400, "malformed request line");
                }
                String version = parts[2];
                if (!version.matches("HTTP/\\d\\.\\d")) {
                    throw new Reject(400, "malformed version");
                }
                if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
                    throw new Reject(505, "HTTP Version Not Supported");
                }
                http10 = version.equals("HTTP/1.0");
                try {
                    method = Method.of(parts[0]);
                } catch (IllegalArgumentException e) {
                    throw new Reject(400, "bad method");
                }
                String target = parts[1];
                if (target.isEmpty() || !(target.startsWith("/") || target.startsWith("http://")
                        || target.startsWith("https://") || target.equals("*") || parts[0].equals("CONNECT"))) {
                    throw new Reject(400, "bad target");
                }
                List<String[]> fields = headers(config.maxHeaderBytes(), config.maxHeaderCount(), 431);
                int hosts = 0;
                List<String> lengths = new ArrayList<>();
                List<String> codings = new ArrayList<>();
                for (String[] field : fields) {
                    switch (field[0].toLowerCase(Locale.ROOT)) {
                        case "host" -> hosts++;
                        case "content-length" -> lengths.add(field[1]);
                        case "transfer-encoding" -> codings.add(field[1]);
                        default -> { }
                    }
                }
                if (hosts > 1 || hosts == 0 && !http10) {
                    throw new Reject(400, "a request needs one Host");
                }
                if (!codings.isEmpty()) {
                    if (!lengths.isEmpty() || http10) {
                        throw new Reject(400, "Transfer-Encoding with Content-Length");
                    }
                    String all = String.join(",", codings).trim().toLowerCase(Locale.ROOT);
                    if (!all.equals("chunked")) {
                        throw new Reject(400, "unsupported transfer coding");
                    }
                    body = new Chunked();
                } else if (!lengths.isEmpty()) {
                    if (lengths.size() > 1) {
                        throw new Reject(400, "duplicate Content-Length");
                    }
                    String text = lengths.get(0);
                    if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                        throw new Reject(400, "invalid Content-Length");
                    }
                    body = new Fixed(Long.parseLong(text));
                } else {
                    body = new Fixed(0);
                }
                exchange = new ReferenceExchange(parts[0], target, version, fields, body);
            } catch (Reject reject) {
                if (reject.status == 408 && reject.getMessage().equals("silent")) {
                    return false;
                }
                writeError(reject.status);
                return flaw == Flaw.KEEPS_OPEN_AFTER_400 && reject.status == 400;
            }
            socket.setSoTimeout((int) config.bodyReadTimeout().toMillis());
            engine.serve(exchange);
            if (exchange.upgrade != null) {
                frames(exchange.upgrade);
                return false;
            }
            return !exchange.closes && !broken;
        }

        /** One request as this server parsed it, answered through the engine. */
        private final class ReferenceExchange implements Exchange {
            private final String method;
            private final String target;
            private final String version;
            private final List<String[]> fields;
            private final BodyStream body;
            private ChunkedOut chunks;
            boolean closes = true;
            dev.ferry.spi.WebSocketUpgrade upgrade;

            @Override
            public boolean webSockets() {
                return true;
            }

            @Override
            public void upgrade(dev.ferry.spi.WebSocketUpgrade upgrade) throws IOException {
                out.write(upgrade.head().encode());
                out.flush();
                this.upgrade = upgrade; // the frames are read once the engine returns
            }

            ReferenceExchange(String method, String target, String version, List<String[]> fields, BodyStream body) {
                this.method = method;
                this.target = target;
                this.version = version;
                this.fields = fields;
                this.body = body;
            }

            @Override
            public String method() {
                return method;
            }

            @Override
            public String target() {
                return target;
            }

            @Override
            public String version() {
                return version;
            }

            @Override
            public void headers(java.util.function.BiConsumer<String, String> action) {
                for (String[] field : fields) {
                    action.accept(field[0], field[1]);
                }
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return (InetSocketAddress) socket.getRemoteSocketAddress();
            }

            @Override
            public String scheme() {
                return socket instanceof javax.net.ssl.SSLSocket ? "https" : "http";
            }

            @Override
            public InputStream body() {
                return body;
            }

            @Override
            public void sendContinue() throws IOException {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }

            @Override
            public void writeHead(ResponseHead head) throws IOException {
                StringBuilder text = new StringBuilder("HTTP/1.1 ").append(head.status()).append(' ').append(head.reason())
                        .append("\r\n");
                if (flaw == Flaw.DROPS_REPEATED_HEADERS) {
                    java.util.Map<String, String> last = new java.util.LinkedHashMap<>();
                    head.forEach((name, value) -> last.put(name.toLowerCase(Locale.ROOT), name + ": " + value));
                    last.values().forEach(line -> text.append(line).append("\r\n"));
                } else {
                    head.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
                }
                out.write(text.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
                closes = head.closes();
                chunks = head.framing() == ResponseHead.Framing.CHUNKED ? new ChunkedOut(out) : null;
            }

            @Override
            public void write(java.nio.ByteBuffer bytes) throws IOException {
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                (chunks != null ? chunks : out).write(copy);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void end() throws IOException {
                if (chunks != null) {
                    chunks.finish();
                }
                out.flush();
            }

            @Override
            public void abort() {
                closes = true;
                broken = true;
                Connection.this.close();
            }
        }

        private volatile boolean closeSent;

        /** Serves WebSocket frames (RFC 6455) on this connection's thread until the close handshake or the end. */
        private void frames(dev.ferry.spi.WebSocketUpgrade upgrade) throws IOException {
            socket.setSoTimeout(0); // the core runs the idle timeout
            dev.ferry.spi.WebSocketDeflate deflate = upgrade.deflate().orElse(null);
            dev.ferry.spi.WebSocketEvents events = upgrade.open(new FrameTransport(deflate));
            int max = upgrade.maxMessageSize();
            java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
            java.io.ByteArrayOutputStream message = null;
            int type = 0;
            boolean compressed = false;
            boolean discarding = false; // after a message over the limit or a broken frame: only a close frame counts
            try {
                while (true) {
                    int b0 = in.read();
                    int b1 = in.read();
                    if (b0 < 0 || b1 < 0) {
                        break;
                    }
                    boolean fin = (b0 & 0x80) != 0;
                    int op = b0 & 0x0F;
                    long length = b1 & 0x7F;
                    if (length == 126) {
                        length = (long) in.read() << 8 | in.read();
                    } else if (length == 127) {
                        length = 0;
                        for (int i = 0; i < 8; i++) {
                            length = length << 8 | in.read();
                        }
                    }
                    int rsv = b0 & 0x70;
                    boolean rsvAllowed = rsv == 0 || deflate != null && rsv == 0x40 && (op == 1 || op == 2);
                    boolean broken = !rsvAllowed || (b1 & 0x80) == 0 || op >= 8 && (length > 125 || !fin)
                            || op > 10 || op > 2 && op < 8 || op == 0 && message == null && !discarding
                            || (op == 1 || op == 2) && message != null;
                    if (broken && !discarding) {
                        discarding = true;
                        events.protocolError(1002, new IOException("a malformed frame"));
                    }
                    byte[] mask = in.readNBytes(4);
                    // compressed bytes may run a little past the inflated ones; the inflated size is checked at the end
                    long wireLimit = compressed || rsv == 0x40 ? max + max / 100 + 64 : max;
                    boolean tooLong = op < 8 && (message == null ? 0 : message.size()) + length > wireLimit;
                    if (tooLong && !discarding) {
                        discarding = true;
                        message = null;
                        events.tooLarge();
                    }
                    if (broken || discarding && op != 8) {
                        in.skipNBytes(length);
                        continue;
                    }
                    byte[] payload = in.readNBytes((int) length);
                    if (payload.length < length || mask.length < 4) {
                        break;
                    }
                    for (int i = 0; i < payload.length; i++) {
                        payload[i] ^= mask[i & 3];
                    }
                    switch (op) {
                        case 0, 1, 2 -> {
                            if (op != 0) {
                                message = new java.io.ByteArrayOutputStream();
                                type = op;
                                compressed = rsv == 0x40;
                            }
                            message.write(payload);
                            if (fin) {
                                byte[] whole = message.toByteArray();
                                message = null;
                                if (compressed) {
                                    try {
                                        whole = inflate(inflater, whole, max);
                                    } catch (java.util.zip.DataFormatException e) {
                                        discarding = true;
                                        events.protocolError(1007, e);
                                        continue;
                                    }
                                    if (deflate.clientNoContextTakeover()) {
                                        inflater.reset();
                                    }
                                    if (whole == null) {
                                        discarding = true;
                                        events.tooLarge();
                                        continue;
                                    }
                                }
                                if (type == 2) {
                                    events.binary(java.nio.ByteBuffer.wrap(whole));
                                } else {
                                    try {
                                        events.text(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(whole)).toString());
                                    } catch (java.nio.charset.CharacterCodingException e) {
                                        discarding = true;
                                        events.protocolError(1007, e);
                                    }
                                }
                            }
                        }
                        case 8 -> {
                            int code = payload.length >= 2 ? (payload[0] & 0xFF) << 8 | payload[1] & 0xFF : 1005;
                            String reason;
                            try {
                                reason = payload.length > 2 ? StandardCharsets.UTF_8.newDecoder()
                                        .decode(java.nio.ByteBuffer.wrap(payload, 2, payload.length - 2)).toString() : "";
                            } catch (java.nio.charset.CharacterCodingException e) {
                                discarding = true;
                                events.protocolError(1007, e);
                                continue;
                            }
                            if (payload.length == 1 || payload.length >= 2 && !dev.ferry.spi.WebSocketClose.sendable(code)) {
                                discarding = true;
                                events.protocolError(1002, new IOException("a close frame with the code " + code));
                                continue;
                            }
                            if (!closeSent) {
                                closeSent = true;
                                int answer = dev.ferry.spi.WebSocketClose.answer(code);
                                writeFrame(8, new byte[] {(byte) (answer >> 8), (byte) answer});
                            }
                            events.closed(code, reason);
                            return;
                        }
                        case 9 -> {
                            writeFrame(10, payload);
                            events.ping(java.nio.ByteBuffer.wrap(payload));
                        }
                        default -> events.pong(java.nio.ByteBuffer.wrap(payload));
                    }
                }
            } catch (IOException e) {
                // the connection broke or was closed
            } finally {
                close();
                events.ended(null);
            }
        }

        /** Inflates a compressed message (RFC 7692, section 7.2.2), or returns null past {@code max} bytes. */
        private static byte[] inflate(java.util.zip.Inflater inflater, byte[] compressed, int max)
                throws java.util.zip.DataFormatException {
            byte[] input = java.util.Arrays.copyOf(compressed, compressed.length + 4);
            input[compressed.length + 2] = (byte) 0xFF;
            input[compressed.length + 3] = (byte) 0xFF;
            inflater.setInput(input);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!inflater.needsInput()) {
                int n = inflater.inflate(buffer);
                out.write(buffer, 0, n);
                if (out.size() > max) {
                    return null;
                }
                if (n == 0 && (inflater.finished() || inflater.needsDictionary())) {
                    break;
                }
            }
            return out.toByteArray();
        }

        private void writeFrame(int op, byte[] payload) throws IOException {
            writeHeadedFrame(0x80 | op, payload);
        }

        /** Writes a frame whose first byte (FIN, RSV bits, opcode) is this. */
        private void writeHeadedFrame(int first, byte[] payload) throws IOException {
            synchronized (out) {
                out.write(first);
                if (payload.length < 126) {
                    out.write(payload.length);
                } else if (payload.length < 65536) {
                    out.write(126);
                    out.write(payload.length >> 8);
                    out.write(payload.length);
                } else {
                    out.write(127);
                    for (int shift = 56; shift >= 0; shift -= 8) {
                        out.write((int) ((long) payload.length >> shift));
                    }
                }
                out.write(payload);
                out.flush();
            }
        }

        /** The core's sends, written as unmasked frames, messages compressed when permessage-deflate was agreed. */
        private final class FrameTransport implements dev.ferry.spi.WebSocketTransport {
            private final dev.ferry.spi.WebSocketDeflate deflate;
            private final java.util.zip.Deflater deflater =
                    new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);

            FrameTransport(dev.ferry.spi.WebSocketDeflate deflate) {
                this.deflate = deflate;
            }

            private java.util.concurrent.CompletionStage<Void> message(int op, byte[] payload) {
                if (deflate == null) {
                    return send(op, payload);
                }
                deflater.setInput(payload);
                java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                int n;
                do {
                    n = deflater.deflate(buffer, 0, buffer.length, java.util.zip.Deflater.SYNC_FLUSH);
                    compressed.write(buffer, 0, n);
                } while (n == buffer.length);
                if (deflate.serverNoContextTakeover()) {
                    deflater.reset();
                }
                byte[] bytes = compressed.toByteArray();
                try {
                    writeHeadedFrame(0x80 | 0x40 | op, java.util.Arrays.copyOf(bytes, bytes.length - 4));
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                } catch (IOException e) {
                    return java.util.concurrent.CompletableFuture.failedFuture(e);
                }
            }

            private java.util.concurrent.CompletionStage<Void> send(int op, byte[] payload) {
                try {
                    writeFrame(op, payload);
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                } catch (IOException e) {
                    return java.util.concurrent.CompletableFuture.failedFuture(e);
                }
            }

            private static byte[] bytes(java.nio.ByteBuffer buffer) {
                byte[] copy = new byte[buffer.remaining()];
                buffer.duplicate().get(copy);
                return copy;
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> text(String message) {
                return message(1, message.getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> binary(java.nio.ByteBuffer message) {
                return message(2, bytes(message));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> ping(java.nio.ByteBuffer data) {
                return send(9, bytes(data));
            }

            @Override
            public java.util.concurrent.CompletionStage<Void> close(int code, String reason) {
                closeSent = true;
                byte[] text = reason.getBytes(StandardCharsets.UTF_8);
                byte[] payload = new byte[code == 1005 ? 0 : 2 + text.length];
                if (code != 1005) {
                    payload[0] = (byte) (code >> 8);
                    payload[1] = (byte) code;
                    System.arraycopy(text, 0, payload, 2, text.length);
                }
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(5000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    Connection.this.close(); // the peer never answered
                });
                return send(8, payload);
            }

            @Override
            public void abort() {
                Connection.this.close();
            }
        }

        private void writeError(int code) throws IOException {
            Status status = Status.of(code);
            byte[] text = status.reason().getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + code + " " + status.reason() + "\r\nDate: " + date()
                    + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + text.length
                    + (flaw == Flaw.KEEPS_OPEN_AFTER_400 && code == 400 ? "" : "\r\nConnection: close") + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(text);
            out.flush();
        }

        private String line(int firstByte, int max, int tooLong, String what) throws IOException, Reject {
            StringBuilder line = new StringBuilder();
            int b = firstByte;
            while (true) {
                if (b < 0) {
                    b = read();
                }
                if (b == '\r') {
                    if (read() != '\n') {
                        throw new Reject(400, "bare CR");
                    }
                    return line.toString();
                }
                if (b == '\n') {
                    throw new Reject(400, "bare LF");
                }
                if (line.length() >= max) {
                    throw new Reject(tooLong, what + " too long");
                }
                line.append((char) b);
                b = -1;
            }
        }

        private List<String[]> headers(int maxBytes, int maxCount, int tooLarge) throws IOException, Reject {
            List<String[]> fields = new ArrayList<>();
            int bytes = 0;
            while (true) {
                String line = line(-1, maxBytes - bytes + 1, tooLarge, "headers");
                if (line.isEmpty()) {
                    return fields;
                }
                bytes += line.length() + 2;
                if (bytes > maxBytes) {
                    throw new Reject(tooLarge, "headers too large");
                }
                if (fields.size() >= maxCount) {
                    throw new Reject(tooLarge, "too many headers");
                }
                char c0 = line.charAt(0);
                if (c0 == ' ' || c0 == '\t') {
                    throw new Reject(400, "obs-fold");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new Reject(400, "no colon");
                }
                String name = line.substring(0, colon);
                for (int i = 0; i < name.length(); i++) {
                    char c = name.charAt(i);
                    if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                        throw new Reject(400, "bad header name");
                    }
                }
                String value = line.substring(colon + 1).strip();
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c < ' ' && c != '\t' || c == 0x7F) {
                        throw new Reject(400, "control character in a header value");
                    }
                }
                fields.add(new String[] {name, value});
            }
        }

        /** Reads one byte within the header deadline. */
        private int read() throws IOException, Reject {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new Reject(408, "Request Timeout");
            }
            socket.setSoTimeout((int) left);
            try {
                int b = in.read();
                if (b < 0) {
                    throw new Reject(408, "silent");
                }
                return b;
            } catch (SocketTimeoutException e) {
                throw new Reject(408, "Request Timeout");
            }
        }

        /** A request body that knows where it ends on the connection. */
        private abstract class BodyStream extends InputStream {
            abstract long declared();

            int socketRead(byte[] buffer, int offset, int length) throws IOException {
                try {
                    int n = in.read(buffer, offset, length);
                    if (n < 0) {
                        broken = true;
                        throw new HttpException(Status.BAD_REQUEST); // the client ended the request inside its body
                    }
                    return n;
                } catch (SocketTimeoutException e) {
                    broken = true;
                    throw new HttpException(Status.REQUEST_TIMEOUT);
                }
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }
        }

        private final class Fixed extends BodyStream {
            private final long length;
            private long left;

            Fixed(long length) {
                this.length = length;
                this.left = length;
            }

            @Override
            long declared() {
                return length;
            }

            @Override
            public int read(byte[] buffer, int offset, int max) throws IOException {
                if (left == 0) {
                    return -1;
                }
                int n = socketRead(buffer, offset, (int) Math.min(max, left));
                left -= n;
                return n;
            }
        }

        private final class Chunked extends BodyStream {
            private long left;
            private int extensionBytes;
            private boolean done;

            @Override
            long declared() {
                return -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int max) throws IOException {
                if (done) {
                    return -1;
                }
                if (left == 0) {
                    left = size();
                    if (left == 0) {
                        trailers();
                        done = true;
                        return -1;
                    }
                }
                int n = socketRead(buffer, offset, (int) Math.min(max, left));
                left -= n;
                if (left == 0) {
                    if (byteOf() != '\r' || byteOf() != '\n') {
                        throw bad("chunk data longer than its size");
                    }
                }
                return n;
            }

            private long size() throws IOException {
                StringBuilder line = new StringBuilder();
                while (true) {
                    int b = byteOf();
                    if (b == '\r') {
                        if (byteOf() != '\n') {
                            throw bad("bare CR in a chunk size");
                        }
                        break;
                    }
                    if (b == '\n') {
                        throw bad("bare LF in a chunk size");
                    }
                    if (line.length() >= MAX_CHUNK_LINE) {
                        throw bad("chunk extension too long");
                    }
                    line.append((char) b);
                }
                int semicolon = line.indexOf(";");
                if (semicolon >= 0) {
                    String extension = line.substring(semicolon + 1);
                    extensionBytes += extension.length();
                    if (extensionBytes > config.maxHeaderBytes()
                            || extension.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)) {
                        throw bad("chunk extension");
                    }
                }
                String hex = (semicolon < 0 ? line.toString() : line.substring(0, semicolon)).strip();
                if (hex.isEmpty() || hex.length() > 8 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw bad("bad chunk size");
                }
                return Long.parseLong(hex, 16);
            }

            private void trailers() throws IOException {
                int bytes = 0;
                while (true) {
                    StringBuilder line = new StringBuilder();
                    while (true) {
                        int b = byteOf();
                        if (b == '\r') {
                            if (byteOf() != '\n') {
                                throw bad("bare CR in trailers");
                            }
                            break;
                        }
                        if (b == '\n') {
                            throw bad("bare LF in trailers");
                        }
                        line.append((char) b);
                        if (bytes + line.length() > config.maxHeaderBytes()) {
                            throw bad("trailers too large");
                        }
                    }
                    if (line.isEmpty()) {
                        return;
                    }
                    int colon = line.indexOf(":");
                    if (colon <= 0 || !line.substring(0, colon).chars().allMatch(c -> c > ' ' && c < 0x7F
                            && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)
                            || line.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7F)) {
                        throw bad("malformed trailer");
                    }
                    bytes += line.length() + 2;
                }
            }

            private int byteOf() throws IOException {
                byte[] one = new byte[1];
                socketRead(one, 0, 1);
                return one[0] & 0xFF;
            }

            private HttpException bad(String message) {
                broken = true;
                return new HttpException(Status.BAD_REQUEST, "Bad Request");
            }
        }
    }

    private static String date() {
        return DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    /** Writes chunks; each flush sends what was written as one chunk. */
    private static final class ChunkedOut extends OutputStream {
        private final OutputStream out;

        ChunkedOut(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length == 0) {
                return;
            }
            out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes, offset, length);
            out.write('\r');
            out.write('\n');
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // the connection outlives the body
        }

        void finish() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }
}
