package dev.ferry.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An ordinary client: one GET on a new connection, read to the end of the response, with a deadline.
 * Used to detect that a server is up and to check whether it still serves during an attack.
 */
final class Probe {

    /** Probe figures: how many requests were sent, how many failed, and the served ones' durations. */
    record Outcome(int probes, int failures, List<Double> millis) {
    }

    private Probe() {
    }

    /**
     * Sends one request and returns its duration in milliseconds when it got a 2xx response within
     * the deadline, or -1.
     */
    static double get(int port, String path, int timeoutMillis) {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            StringBuilder head = new StringBuilder();
            int read;
            long deadline = start + timeoutMillis * 1_000_000L;
            while ((read = in.read(buffer)) > 0) {
                head.append(new String(buffer, 0, Math.min(read, 64), StandardCharsets.ISO_8859_1));
                if (System.nanoTime() > deadline) {
                    return -1;
                }
                if (head.length() >= 12 && !head.toString().startsWith("HTTP/1.1 2") && !head.toString().startsWith("HTTP/1.0 2")) {
                    return -1;
                }
            }
            if (head.length() < 12 || head.charAt(9) != '2') {
                return -1;
            }
            return (System.nanoTime() - start) / 1e6;
        } catch (SocketTimeoutException timeout) {
            return -1;
        } catch (IOException failed) {
            return -1;
        }
    }

    /** Probes every {@code intervalMillis} until {@code running} turns false; one probe at a time. */
    static Outcome repeat(int port, String path, int timeoutMillis, int intervalMillis, AtomicBoolean running) {
        List<Double> served = new ArrayList<>();
        int probes = 0;
        int failures = 0;
        while (running.get()) {
            long next = System.nanoTime() + intervalMillis * 1_000_000L;
            double millis = get(port, path, timeoutMillis);
            probes++;
            if (millis < 0) {
                failures++;
            } else {
                served.add(millis);
            }
            long wait = (next - System.nanoTime()) / 1_000_000L;
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return new Outcome(probes, failures, served);
    }
}
