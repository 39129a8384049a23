package dev.ferry.tomcat;

import dev.ferry.Body;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import org.junit.jupiter.api.Test;

class ProbeTest {
    @Test
    void probe() throws Exception {
        var app = Router.builder()
                .get("/plaintext", r -> Response.text("Hello, World!"))
                .get("/info", r -> Response.text(r.contextPath() + "|" + r.path() + "|" + r.rawQuery()))
                .post("/echo", r -> Response.ok().withBody(Body.of(r.body().bytes())))
                .get("/stream", r -> Response.ok().withBody(Body.streamed(out -> { out.write("a".getBytes()); out.flush(); out.write("b".getBytes()); })))
                .build();
        try (TomcatServer server = TomcatServer.builder().config(ServerConfig.builder().port(0).shutdownGrace(java.time.Duration.ofSeconds(1)).build())
                .app("", app).app("/shop", app).start()) {
            int port = server.port();
            String[] reqs = {
                "GET /plaintext HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /info?a=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /shop/info?a=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /shop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET //shop/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /plaintext HTTP/1.1\r\n\r\n",
                "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /" + "a".repeat(40000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(17000) + "\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(40000) + "\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                "GET / HTTP/1.1\r\nHost: x\r\nX : y\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n z\r\n\r\n",
                "GET / HTTP/1.1\nHost: x\n\n",
                "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",
                "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\nabc",
                "GET /a%2Fb/%5C?x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
                "TRACE /plaintext HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /../x HTTP/1.1\r\nHost: x\r\n\r\n",
                "BREW /plaintext HTTP/1.1\r\nHost: x\r\n\r\n",
            };
            for (String r : reqs) {
                String got = Raw.exchange(port, r);
                System.out.println("=== " + r.substring(0, Math.min(60, r.length())).replace("\r\n", "\\r\\n"));
                System.out.println(got.length() > 600 ? got.substring(0, 600) + "..." : got);
            }
        }
    }
}
