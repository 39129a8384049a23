package dev.ferry.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.Body;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.TestClient;
import dev.ferry.routing.Router;
import dev.ferry.server.ServerConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static final Pattern LINE = Pattern.compile("(\\S+) (\\S+) (\\S+) (\\d{3}) (\\d+) (\\d+\\.\\d{3})ms( cut)?");

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger("dev.ferry.access");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private final dev.ferry.Handler app = Router.builder()
            .get("/hello", request -> Response.text("Hello"))
            .get("/stream", request -> Response.ok().withBody(Body.streamed(out -> out.write(new byte[10_000]))))
            .build();

    @BeforeEach
    void install() {
        logger.addHandler(capture);
    }

    @AfterEach
    void remove() {
        logger.removeHandler(capture);
    }

    private static Request.Builder from(String target) {
        return Request.builder().target(target).remoteAddress(new InetSocketAddress("192.0.2.7", 4000));
    }

    @Test
    void oneLinePerRequestWhenOn() {
        TestClient client = TestClient.of(app, ServerConfig.builder().accessLog(true).build());
        client.send(from("/hello?x=1"));
        client.send(from("/nowhere"));
        client.send(from("/stream"));
        client.send(from("/hello").method(Method.POST).body(Body.of(new byte[20_000_000])));
        assertEquals(4, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("192\\.0\\.2\\.7 GET /hello\\?x=1 200 5 \\d+\\.\\d{3}ms"), lines.get(0));
        assertTrue(lines.get(1).startsWith("192.0.2.7 GET /nowhere 404 9 "), lines.get(1));
        assertTrue(lines.get(2).startsWith("192.0.2.7 GET /stream 200 10000 "), lines.get(2));
        assertTrue(lines.get(3).startsWith("192.0.2.7 POST /hello 413 17 "), lines.get(3));
        for (String line : lines) {
            assertTrue(LINE.matcher(line).matches(), line);
        }
    }

    @Test
    void offByDefault() {
        TestClient.of(app).get("/hello");
        assertEquals(List.of(), lines);
    }

    @Test
    void whatTheClientChoseCannotForgeALineOrAField() {
        String line = AccessLine.format(new InetSocketAddress("127.0.0.1", 1), "GET",
                "/a\r\n127.0.0.1 GET /admin 200 0 0.001ms b\\c\u0085\u2028", 200, 0, 1_000_000, false);
        assertEquals("127.0.0.1 GET /a\\x0d\\x0a127.0.0.1\\x20GET\\x20/admin\\x20200\\x200\\x200.001ms\\x20b\\x5cc\\x85\\u2028"
                + " 200 0 1.000ms", line);
        assertEquals(1, line.lines().count());
        assertTrue(LINE.matcher(line).matches(), line);
        assertEquals("- - - 500 0 0.000ms cut", AccessLine.format(null, "", null, 500, 0, -5, true));
        assertTrue(LINE.matcher(AccessLine.format(null, "", null, 500, 0, -5, true)).matches());
    }

    @Test
    void aMethodNoRouteTakesIsLoggedWithItsStatus() {
        TestClient.of(app, ServerConfig.builder().accessLog(true).build()).send(from("/hello").method(Method.of("BREW")));
        assertEquals(1, lines.size());
        assertTrue(lines.get(0).startsWith("192.0.2.7 BREW /hello 501 "), lines.get(0));
    }
}
