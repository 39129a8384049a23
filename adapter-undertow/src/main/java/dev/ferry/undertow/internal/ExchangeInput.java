package dev.ferry.undertow.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSourceChannel;

/** The request body as a stream that reads straight from the connection, parking while no data is there. */
final class ExchangeInput extends InputStream {

    private final HttpServerExchange exchange;
    private final Readiness readiness;
    private StreamSourceChannel channel;
    private boolean finished;

    ExchangeInput(HttpServerExchange exchange, long stallNanos) {
        this.exchange = exchange;
        this.readiness = new Readiness(exchange, stallNanos);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (finished) {
            return -1;
        }
        if (channel == null) {
            if (HttpContinue.requiresContinueResponse(exchange)) {
                HttpContinue.sendContinueResponseBlocking(exchange);
            }
            channel = exchange.getRequestChannel();
            if (channel == null) {
                finished = true;
                return -1;
            }
        }
        ByteBuffer target = ByteBuffer.wrap(buffer, offset, length);
        try {
            while (true) {
                int n = channel.read(target);
                if (n != 0) {
                    if (n < 0) {
                        finished = true;
                    }
                    return n;
                }
                if (HeadGuard.malformedBody(exchange)) {
                    throw new IOException("malformed chunked framing");
                }
                readiness.awaitReadable(channel);
            }
        } catch (IOException e) {
            if (HeadGuard.malformedBody(exchange)) {
                throw new HttpException(Status.BAD_REQUEST, "Bad Request");
            }
            throw e;
        }
    }

    @Override
    public void close() {
        finished = true;
    }
}
