package dev.ferry.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.dev.internal.JdkServerAccess;
import dev.ferry.dev.internal.ReloadPlan;
import dev.ferry.server.Server;
import dev.ferry.server.ServerConfig;
import dev.ferry.testkit.RawClient;
import dev.ferry.testkit.RawResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reload on change with real compiles of a changed class, and how the dev server decides what to reload. */
class ReloadTest {

    @TempDir
    Path dir;

    private void compile(String body) throws IOException {
        Path source = dir.resolve("src/reloaded/App.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, """
                package reloaded;

                import dev.ferry.Handler;
                import dev.ferry.Response;

                public final class App {
                    public static Handler app() {
                        %s
                    }
                }
                """.formatted(body));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "-d", dir.resolve("classes").toString(),
                "-classpath", System.getProperty("java.class.path"), source.toString());
        assertEquals(0, status, "javac");
    }


    @Test
    void nextRequestAfterAChangedClassRunsTheNewCodeAndBrokenClassesShowInsteadOfKillingTheServer() throws Exception {
        compile("return request -> dev.ferry.Response.text(\"v1\");");
        try (Reload reload = Reload.of("reloaded.App::app", List.of(dir.resolve("classes")));
             Server server = JdkServerAccess.start(reload, ServerConfig.builder().port(0).build());
             RawClient client = RawClient.connect(server.port())) {
            assertEquals("v1", client.get("/").text());

            List<Long> micros = new ArrayList<>();
            for (int version = 2; version <= 4; version++) {
                compile("return request -> dev.ferry.Response.text(\"v" + version + "\");");
                long changed = System.nanoTime(); // javac has written the class file
                String body;
                do {
                    body = client.get("/").text();
                } while (!body.equals("v" + version) && System.nanoTime() - changed < 5_000_000_000L);
                micros.add((System.nanoTime() - changed) / 1000);
                assertEquals("v" + version, body);
            }
            System.out.println("reload: changed class file to serving it, microseconds: " + micros);

            Files.write(dir.resolve("classes/reloaded/App.class"), "not a class".getBytes(StandardCharsets.UTF_8));
            RawResponse broken;
            long changed = System.nanoTime();
            do {
                broken = client.send("GET / HTTP/1.1\r\nHost: t\r\nAccept: text/plain\r\n\r\n").read();
            } while (broken.status() == 200 && System.nanoTime() - changed < 5_000_000_000L);
            assertEquals(500, broken.status());
            assertTrue(broken.text().contains("Reloading reloaded.App::app"), broken.text());
            assertTrue(broken.text().contains("ClassFormatError"), broken.text());
            // every server closes the connection after a 500, so the next request comes on a new one

            compile("return request -> dev.ferry.Response.text(\"fixed\");");
            String body;
            changed = System.nanoTime();
            do {
                try (RawClient fresh = RawClient.connect(server.port())) {
                    body = fresh.get("/").text();
                }
            } while (!body.equals("fixed") && System.nanoTime() - changed < 5_000_000_000L);
            assertEquals("fixed", body);
            assertEquals(5, reload.reloads(), "made once at start, then for v2, v3, v4 and the fix");
        }
    }

    @Test
    void aFactoryThatThrowsShowsOnTheDebugPage() throws Exception {
        compile("return request -> dev.ferry.Response.text(\"ok\");");
        try (Reload reload = Reload.of("reloaded.App", List.of(dir.resolve("classes")));
             Server server = JdkServerAccess.start(reload, ServerConfig.builder().port(0).build());
             RawClient client = RawClient.connect(server.port())) {
            assertEquals("ok", client.get("/").text());
            compile("throw new IllegalStateException(\"factory failed\");");
            RawResponse reply;
            long changed = System.nanoTime();
            do {
                reply = client.get("/");
            } while (reply.status() == 200 && System.nanoTime() - changed < 5_000_000_000L);
            assertEquals(500, reply.status());
            assertTrue(reply.text().contains("factory failed"), reply.text());
            server.stop(Duration.ZERO);
        }
    }

    @Test
    void reloadFollowsTheCallerOfFerryServeFromAClassDirectory() {
        ReloadPlan plan = ReloadPlan.decide(Map.of(), new Properties(), demo.HelloFactory.class, getClass().getClassLoader());
        assertTrue(plan.enabled(), plan.note());
        assertEquals("demo.HelloFactory", plan.factory());
        assertTrue(Files.isDirectory(plan.directories().get(0).resolve("demo")));

        ReloadPlan noFactory = ReloadPlan.decide(Map.of(), new Properties(), demo.Failing.class, getClass().getClassLoader());
        assertFalse(noFactory.enabled());
        assertTrue(noFactory.note().contains("no public static method"), noFactory.note());

        Properties off = new Properties();
        off.setProperty("ferry.reload", "off");
        assertFalse(ReloadPlan.decide(Map.of(), off, demo.HelloFactory.class, getClass().getClassLoader()).enabled());

        ReloadPlan fromJar = ReloadPlan.decide(Map.of("FERRY_RELOAD", "org.junit.jupiter.api.Test"), new Properties(), null,
                getClass().getClassLoader());
        assertFalse(fromJar.enabled());
        assertTrue(fromJar.note().contains("not a class directory"), fromJar.note());

        assertFalse(ReloadPlan.decide(Map.of(), new Properties(), null, getClass().getClassLoader()).enabled());
    }
}
