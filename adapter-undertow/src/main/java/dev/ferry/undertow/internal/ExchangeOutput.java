package dev.ferry.undertow.internal;

import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.xnio.channels.StreamSinkChannel;

/**
 * The response body as a stream that writes straight to the connection, parking while it cannot take
 * more. Undertow frames it: Content-Length when set, chunked otherwise; each flush sends what was written.
 */
final class ExchangeOutput extends OutputStream {

    private final Readiness readiness;
    private final StreamSinkChannel channel;
    private boolean closed;

    ExchangeOutput(HttpServerExchange exchange, long stallNanos) {
        this.readiness = new Readiness(exchange, stallNanos);
        this.channel = exchange.getResponseChannel();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("the response is complete");
        }
        ByteBuffer source = ByteBuffer.wrap(bytes, offset, length);
        while (source.hasRemaining()) {
            if (channel.write(source) == 0) {
                readiness.awaitWritable(channel);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (!closed) {
            while (!channel.flush()) {
                readiness.awaitWritable(channel);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            channel.shutdownWrites();
            while (!channel.flush()) {
                readiness.awaitWritable(channel);
            }
        }
    }
}
