package dev.ferry.bench.upload;

import dev.ferry.Handler;
import dev.ferry.Multipart;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import dev.ferry.server.ServerConfig;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The app of the upload bar: {@code POST /upload} reads a multipart form with {@link Multipart#form},
 * and answers, for each file part, its size, whether it went to a temporary file, and the SHA-256 of
 * that file as stored; then the JVM's peak heap use since the last request. Run it with a small heap
 * ({@code -Xmx64m}) on the server named by {@code ferry.server}; the temporary directory is the first
 * argument.
 */
public final class UploadApp {

    private UploadApp() {
    }

    /** Starts the app; prints {@code READY <port>} once it listens. */
    public static void main(String[] args) {
        Path temp = Path.of(args[0]);
        Multipart multipart = Multipart.builder().tempDirectory(temp).build();
        Handler upload = request -> {
            resetPeaks();
            StringBuilder out = new StringBuilder();
            long started = System.nanoTime();
            try (Multipart.Form form = multipart.form(request)) {
                long received = System.nanoTime();
                out.append("receiveMillis=").append((received - started) / 1_000_000).append('\n');
                for (Multipart.FormPart part : form.parts()) {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = part.stream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            sha.update(buffer, 0, n);
                        }
                    }
                    long onDisk = part.path().isPresent() ? Files.size(part.path().orElseThrow()) : -1;
                    out.append("part ").append(part.name()).append(" size=").append(part.size())
                            .append(" file=").append(onDisk).append(" sha256=")
                            .append(HexFormat.of().formatHex(sha.digest())).append('\n');
                }
            }
            out.append("checksumMillis=").append((System.nanoTime() - started) / 1_000_000).append('\n');
            out.append("peakHeapBytes=").append(peakHeap()).append('\n');
            return Response.text(out.toString());
        };
        Handler app = Multipart.cleanup().then(Router.builder().post("/upload", upload)
                .get("/ready", request -> Response.text("ready")).build());
        // the JDK's server bounds a whole request, body included, by the request header timeout (a known
        // gap of the dev server): long enough for a slow upload here, harmless on the other servers
        ServerConfig config = ServerConfig.fromEnvironment().toBuilder().port(0).host("127.0.0.1")
                .maxRequestBody(4L * 1024 * 1024 * 1024).requestHeaderTimeout(java.time.Duration.ofMinutes(5)).build();
        var server = Ferry.serve("upload", app, config);
        System.out.println("READY " + server.port());
        System.out.flush();
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Returns the sum of the heap pools' peaks: an upper bound of the heap in use at any one time. */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
