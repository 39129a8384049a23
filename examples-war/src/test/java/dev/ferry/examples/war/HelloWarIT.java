package dev.ferry.examples.war;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Deploys the built hello.war into an embedded Tomcat next to another application, as a stock Tomcat would. */
class HelloWarIT {

    private static Tomcat tomcat;
    private static Path base;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void deploy() throws Exception {
        File war = new File(System.getProperty("war", "target/hello.war"));
        assertTrue(war.isFile(), "build the WAR first: " + war);
        base = Files.createTempDirectory("hello-war-it");
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector("HTTP/1.1");
        connector.setPort(0);
        tomcat.setConnector(connector);
        tomcat.getHost().setAppBase(base.toString());
        Context other = tomcat.addContext("", null);
        Tomcat.addServlet(other, "other", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                resp.setContentType("text/plain");
                resp.getWriter().print("another application");
            }
        });
        other.addServletMappingDecoded("/*", "other");
        tomcat.addWebapp("/hello", war.getAbsolutePath());
        tomcat.start();
    }

    @AfterAll
    static void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + path);
        return CLIENT.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheAppUnderItsContextPath() throws Exception {
        HttpResponse<String> plain = get("/hello/plaintext");
        assertEquals(200, plain.statusCode());
        assertEquals("Hello, World!", plain.body());
        assertEquals("Hello, Bob!", get("/hello/hello/Bob").body());
        assertEquals("{\"message\":\"Hello, World!\"}", get("/hello/json").body());
    }

    @Test
    void errorsAreFerrysPlainText() throws Exception {
        HttpResponse<String> missing = get("/hello/nothing/here");
        assertEquals(404, missing.statusCode());
        assertFalse(missing.body().contains("<html"), missing.body());
        HttpResponse<String> boom = get("/hello/boom");
        assertEquals(500, boom.statusCode());
        assertEquals("Internal Server Error", boom.body());
    }

    @Test
    void theOtherApplicationIsUntouched() throws Exception {
        assertEquals("another application", get("/plaintext").body());
    }
}
