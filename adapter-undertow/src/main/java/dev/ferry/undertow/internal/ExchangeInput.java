package dev.ferry.undertow.internal;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.protocol.http.HttpContinue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSourceChannel;

/** The request body as a stream that reads straight from the connection, parking while no data is there. */
final class ExchangeInput extends InputStream {

    private final HttpServerExchange exchange;
    private final Readiness readiness = new Readiness();
    private StreamSourceChannel channel;
    private boolean finished;

    ExchangeInput(HttpServerExchange exchange) {
        this.exchange = exchange;
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
        while (true) {
            int n = channel.read(target);
            if (n != 0) {
                if (n < 0) {
                    finished = true;
                }
                return n;
            }
            readiness.awaitReadable(channel);
        }
    }

    @Override
    public void close() {
        finished = true;
    }
}
