package dev.ferry.examples.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.Ferry;
import dev.ferry.spi.ServerProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The deployment recipe, tested for real: nginx (Debian's package) on loopback in front of two
 * instances of the deploy example on two different servers, each its own JVM. The load comes from
 * 127.0.0.2 so that the apps can tell the client from the proxy (127.0.0.1, the only trusted one).
 * Figures go to target/deploy-report.txt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DeployBehindNginxTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT = "127.0.0.2";

    private Path dir;
    private Process nginx;
    private int httpPort;
    private int httpsPort;
    private final List<Instance> instances = new ArrayList<>();
    private final List<String> report = new ArrayList<>();

    /** One app instance in its own JVM. */
    private final class Instance {
        final String name;
        final String server;
        final int port;
        Process process;

        Instance(String name, String server, int port) {
            this.name = name;
            this.server = server;
            this.port = port;
        }

        void start() throws Exception {
            String java = ProcessHandle.current().info().command().orElseThrow();
            process = new ProcessBuilder(java, "-Xmx128m", "-Dferry.server=" + server, "-Dferry.port=" + port,
                    "-Dferry.host=127.0.0.1", "-Dferry.instance=" + name, "-Dferry.trusted-proxies=127.0.0.1",
                    "-Dferry.shutdown-grace=5s", "-cp", System.getProperty("java.class.path"),
                    DeployApp.class.getName())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile()))
                    .start();
            HttpClient client = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                assertTrue(process.isAlive(), () -> name + " exited: " + log(name));
                try {
                    HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
                    if (ready.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(50);
            }
            throw new AssertionError(name + " not ready in 30 s: " + log(name));
        }

        /** SIGTERM, as an orchestrator stops a container; returns the milliseconds until the JVM exited. */
        long stopGracefully() throws InterruptedException {
            long start = System.nanoTime();
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), name + " did not stop within 30 s");
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }

    /** Keeps a few clients busy through nginx and counts every outcome. */
    private final class Load implements AutoCloseable {
        final LongAdder ok = new LongAdder();
        final LongAdder failed = new LongAdder();
        final Map<String, LongAdder> byInstance = new ConcurrentHashMap<>();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong maxMillis = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Load(int clients) throws Exception {
            HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(CLIENT))
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/whoami"))
                    .timeout(Duration.ofSeconds(20)).build();
            for (int i = 0; i < clients; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        long start = System.nanoTime();
                        try {
                            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() == 200) {
                                ok.increment();
                                String instance = JSON.readTree(response.body()).get("instance").asText();
                                byInstance.computeIfAbsent(instance, key -> new LongAdder()).increment();
                            } else {
                                fail(response.statusCode() + " " + response.body());
                            }
                        } catch (HttpTimeoutException e) {
                            fail("timeout");
                        } catch (IOException e) {
                            fail(e.toString());
                        } catch (InterruptedException e) {
                            return;
                        }
                        maxMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
                    }
                }));
            }
        }

        private void fail(String why) {
            failed.increment();
            if (failures.size() < 20) {
                failures.add(why);
            }
        }

        long total() {
            return ok.sum() + failed.sum();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }

    @BeforeAll
    void startNginxInFrontOfTwoServers() throws Exception {
        Path binary = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? Path.of("/usr/sbin/nginx") : null;
        Assumptions.assumeTrue(binary != null, "nginx is not installed (apt-get install -y nginx-light): deployment test skipped");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed: deployment test skipped");
        dir = Files.createTempDirectory("ferry-deploy");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        List<String> servers = twoServers();
        instances.add(new Instance("a-" + servers.get(0), servers.get(0), freePort()));
        instances.add(new Instance("b-" + servers.get(1), servers.get(1), freePort()));
        for (Instance instance : instances) {
            instance.start();
        }

        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
        httpPort = freePort();
        httpsPort = freePort();
        StringBuilder upstreams = new StringBuilder();
        for (Instance instance : instances) {
            upstreams.append("server 127.0.0.1:").append(instance.port).append(" max_fails=1 fail_timeout=2s;\n        ");
        }
        String config = Files.readString(recipe())
                .replace("${FERRY_NGINX_PREFIX}", dir.toString())
                .replace("${FERRY_NGINX_LISTEN}", "127.0.0.1:" + httpPort)
                .replace("${FERRY_NGINX_TLS_LISTEN}", "127.0.0.1:" + httpsPort)
                .replace("${FERRY_TLS_CERT}", dir.resolve("cert.pem").toString())
                .replace("${FERRY_TLS_KEY}", dir.resolve("key.pem").toString())
                .replace("${FERRY_UPSTREAM_SERVERS}", upstreams.toString().trim());
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
            Files.createDirectories(dir.resolve(temp));
            Files.setPosixFilePermissions(dir.resolve(temp), PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        run(binary.toString(), "-t", "-p", dir.toString(), "-c", conf.toString());
        nginx = new ProcessBuilder(binary.toString(), "-p", dir.toString(), "-c", conf.toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        awaitPort(httpPort);
        report.add("servers: " + instances.get(0).name + " on port " + instances.get(0).port + ", "
                + instances.get(1).name + " on port " + instances.get(1).port + "; nginx " + httpPort + " (http), " + httpsPort + " (https)");
    }

    @Test
    @Order(1)
    void balancesAndEachAppSeesTheRealClientAndScheme() throws Exception {
        HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(CLIENT)).build();
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/whoami"))
                    .header("X-Forwarded-For", "1.2.3.4").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            DeployApp.Seen seen = JSON.readValue(response.body(), DeployApp.Seen.class);
            assertEquals(CLIENT, seen.client(), "the app sees the client, not the proxy nor a forged address");
            assertEquals("http", seen.scheme());
            assertEquals("127.0.0.1:" + httpPort, seen.host());
            counts.merge(seen.instance(), 1, Integer::sum);
        }
        assertEquals(2, counts.size(), "both instances get requests: " + counts);
        counts.values().forEach(count -> assertTrue(count >= 30, "balanced: " + counts));

        HttpClient tls = HttpClient.newBuilder().localAddress(InetAddress.getByName(CLIENT)).sslContext(trustAll()).build();
        HttpResponse<String> secure = tls.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + "/whoami")).build(),
                HttpResponse.BodyHandlers.ofString());
        DeployApp.Seen seen = JSON.readValue(secure.body(), DeployApp.Seen.class);
        assertEquals("https", seen.scheme(), "TLS ends at nginx; the app still knows the request was https");
        assertEquals(CLIENT, seen.client());
        report.add("balance over 100 requests: " + counts + "; client seen as " + CLIENT + ", scheme http and https");
    }

    @Test
    @Order(1)
    void forwardingHeadersForgedThroughNginxAreIgnored() throws Exception {
        HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(CLIENT)).build();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/whoami"))
                    .header("Forwarded", "for=1.2.3.4;proto=https;host=evil.example")
                    .header("X-Forwarded-For", "1.2.3.4")
                    .header("X-Forwarded-Proto", "https")
                    .header("X-Forwarded-Host", "evil.example")
                    .header("X-Forwarded-Port", "443").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            DeployApp.Seen seen = JSON.readValue(response.body(), DeployApp.Seen.class);
            assertEquals(CLIENT, seen.client(), "a forged address through nginx on " + seen.instance());
            assertEquals("http", seen.scheme(), "a forged scheme through nginx on " + seen.instance());
            assertEquals("127.0.0.1:" + httpPort, seen.host(), "a forged host through nginx on " + seen.instance());
        }
        report.add("forged Forwarded and X-Forwarded-For/-Proto/-Host/-Port through nginx from " + CLIENT
                + ": the app saw " + CLIENT + ", http and 127.0.0.1:" + httpPort);
    }

    @Test
    @Order(2)
    void anUntrustedPeerIsSeenWithItsRealAddress() throws Exception {
        HttpClient direct = HttpClient.newBuilder().localAddress(InetAddress.getByName(CLIENT)).build();
        for (Instance instance : instances) {
            HttpResponse<String> response = direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port + "/whoami"))
                    .header("X-Forwarded-For", "1.2.3.4").header("X-Forwarded-Proto", "https")
                    .header("Forwarded", "for=1.2.3.4;proto=https").build(), HttpResponse.BodyHandlers.ofString());
            DeployApp.Seen seen = JSON.readValue(response.body(), DeployApp.Seen.class);
            assertEquals(CLIENT, seen.client(), instance.name);
            assertEquals("http", seen.scheme(), instance.name);
        }
    }

    @Test
    @Order(3)
    void rollingRestartUnderLoadLosesNothing() throws Exception {
        Load load = new Load(16);
        long started = System.nanoTime();
        Thread.sleep(1500);
        List<String> steps = new ArrayList<>();
        for (Instance instance : instances) {
            long before = load.total();
            long stopMillis = instance.stopGracefully();
            long restart = System.nanoTime();
            instance.start();
            steps.add(instance.name + " stopped in " + stopMillis + " ms, back in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart) + " ms, " + (load.total() - before) + " requests meanwhile");
            Thread.sleep(2500);
        }
        Thread.sleep(1500);
        load.close();
        double seconds = (System.nanoTime() - started) / 1e9;
        report.add(String.format(java.util.Locale.ROOT,
                "rolling restart: %d requests in %.1f s (%.0f/s), %d failed, slowest %d ms, per instance %s; %s",
                load.total(), seconds, load.total() / seconds, load.failed.sum(), load.maxMillis.get(), load.byInstance, steps));
        assertEquals(0, load.failed.sum(), () -> "failed requests: " + load.failures);
        assertTrue(load.ok.sum() > 500, "the load kept going: " + load.ok.sum());
        for (Instance instance : instances) {
            assertTrue(load.byInstance.getOrDefault(instance.name, new LongAdder()).sum() > 0, instance.name + " served");
        }
    }

    @Test
    @Order(4)
    void aKilledInstanceIsRoutedAround() throws Exception {
        Load load = new Load(16);
        Thread.sleep(1000);
        Instance victim = instances.get(0);
        long before = load.total();
        victim.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Thread.sleep(3000);
        Map<String, Long> afterKill = new java.util.HashMap<>();
        load.byInstance.forEach((name, count) -> afterKill.put(name, count.sum()));
        Thread.sleep(1000);
        load.close();
        long survivorGrew = load.byInstance.get(instances.get(1).name).sum() - afterKill.getOrDefault(instances.get(1).name, 0L);
        report.add("SIGKILL of " + victim.name + " under load: " + load.total() + " requests (" + (load.total() - before)
                + " after the kill), " + load.failed.sum() + " failed " + load.failures);
        assertTrue(survivorGrew > 0, "the survivor kept serving");
        assertTrue(load.ok.sum() > load.failed.sum() * 10, "nginx routed around the dead instance: " + load.failures);
        victim.start();
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (Instance instance : instances) {
            if (instance.process != null) {
                instance.process.destroyForcibly();
            }
        }
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
            nginx.destroyForcibly();
        }
        if (!report.isEmpty()) {
            Path file = Path.of("target", "deploy-report.txt");
            Files.createDirectories(file.getParent());
            Files.write(file, report);
            report.forEach(line -> System.out.println("[deploy] " + line));
        }
    }

    private static List<String> twoServers() {
        List<String> production = Ferry.installed().stream().filter(ServerProvider::production)
                .map(ServerProvider::name).sorted().toList();
        List<String> chosen = new ArrayList<>(production.stream().limit(2).toList());
        while (chosen.size() < 2) {
            chosen.add("dev");
        }
        return chosen;
    }

    private static Path recipe() {
        for (Path candidate : List.of(Path.of("deploy/nginx.conf.template"), Path.of("../deploy/nginx.conf.template"))) {
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("deploy/nginx.conf.template not found from " + Path.of("").toAbsolutePath());
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0, String.join(" ", command) + ": " + output);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("nginx did not listen on " + port);
    }

    private static SSLContext trustAll() throws Exception {
        X509ExtendedTrustManager all = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {all}, new SecureRandom());
        return context;
    }
}
