package dev.ferry.dev.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One line per request (method, target, status, body bytes, milliseconds), written by a daemon
 * thread so that a slow terminal never slows a request, and batched when requests come fast.
 */
public final class RequestLog {

    private static final int MAX_TARGET = 200;
    private static final int BATCH_MILLIS = 20;

    private final Console console;
    private final LinkedBlockingQueue<Entry> lines = new LinkedBlockingQueue<>(100_000);
    private final Thread writer;

    /** Starts a log that writes to this console. */
    public RequestLog(Console console) {
        this.console = console;
        writer = new Thread(this::drain, "ferry-dev-request-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** One finished exchange, formatted by the writer thread rather than the request's. */
    private record Entry(String method, String target, int status, long bytes, long nanos) {
    }

    /** Records one finished exchange; never blocks (lines are dropped if the console is far behind). */
    public void log(String method, String target, int status, long bytes, long nanos) {
        lines.offer(new Entry(method, target, status, bytes, nanos));
    }

    String format(String method, String target, int status, long bytes, long nanos) {
        long micros = nanos / 1000;
        String shown = target.length() > MAX_TARGET ? target.substring(0, MAX_TARGET) + "..." : target;
        StringBuilder line = new StringBuilder(64 + shown.length());
        line.append(method).append(' ').append(shown).append(' ')
                .append(console.paint(colourOf(status), Integer.toString(status)))
                .append(' ').append(bytes).append(" B ")
                .append(micros / 1000).append('.').append(micros % 1000 / 100).append(" ms");
        return line.toString();
    }

    private static String colourOf(int status) {
        if (status >= 500) {
            return "31"; // red
        }
        if (status >= 400) {
            return "33"; // yellow
        }
        if (status >= 300) {
            return "36"; // cyan
        }
        return "32"; // green
    }

    /** Writes what is queued and stops the writer thread. */
    public void close() {
        writer.interrupt();
        try {
            writer.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void drain() {
        List<Entry> batch = new ArrayList<>();
        boolean open = true;
        while (open) {
            try {
                batch.add(lines.take());
                Thread.sleep(BATCH_MILLIS); // a human does not see 20 ms; under load, lines go out in large batches
            } catch (InterruptedException e) {
                open = false;
            }
            lines.drainTo(batch, open ? 1000 : Integer.MAX_VALUE);
            if (batch.isEmpty()) {
                continue;
            }
            StringBuilder text = new StringBuilder(batch.size() * 48);
            for (Entry e : batch) {
                text.append(format(e.method(), e.target(), e.status(), e.bytes(), e.nanos())).append(System.lineSeparator());
            }
            console.out().print(text);
            console.out().flush();
            batch.clear();
        }
    }
}
