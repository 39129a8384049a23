package dev.ferry.testkit.fuzz;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How what a server sent is split into responses and reduced to what is compared. */
class ObservationTest {

    private static final String APP = "HTTP/1.1 200 OK\r\nX-Fuzz: GET /a HTTP/1.1 host=x body=0:e3b0c442\r\nContent-Length: 5\r\n\r\nhello";
    private static final String PROBE = "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Fuzz: " + Fuzzer.PROBE_SAW
            + "\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

    @Test
    void appAnswersAndTheProbe() {
        Observation o = Observation.of(APP + PROBE, Observation.End.CLOSED);
        assertEquals("2xx[GET /a HTTP/1.1 host=x body=0:e3b0c442] 2xx[probe] | closed", o.key(false));
        assertEquals(List.of(new Observation.Reply(200, "GET /a HTTP/1.1 host=x body=0:e3b0c442"), new Observation.Reply(200, Fuzzer.PROBE_SAW)),
                o.replies());
    }

    @Test
    void serverAnswersAreComparedByClassOrCode() {
        Observation o = Observation.of("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbig",
                Observation.End.RESET);
        assertEquals("4xx | closed", o.key(false));
        assertEquals("413 | closed", o.key(true));
        assertEquals("413 from the server; then reset", o.text());
    }

    @Test
    void anAnswerToHeadHasNoBodyAndInterimResponsesCount() {
        String head = "HTTP/1.1 200 OK\r\nX-Fuzz: HEAD / HTTP/1.1 host=x body=0:e3b0c442\r\nContent-Length: 40\r\n\r\n";
        Observation o = Observation.of("HTTP/1.1 100 Continue\r\n\r\n" + head + PROBE, Observation.End.CLOSED);
        assertEquals("1xx 2xx[HEAD / HTTP/1.1 host=x body=0:e3b0c442] 2xx[probe] | closed", o.key(false));
        assertEquals("2xx[HEAD / HTTP/1.1 host=x body=0:e3b0c442] | closed", Observation.of(head, Observation.End.CLOSED).key(false));
    }

    @Test
    void nothingGarbageTruncationAndTimeouts() {
        assertEquals("no response | closed", Observation.of("", Observation.End.CLOSED).key(false));
        assertEquals("no response + not a response | closed", Observation.of("Bad Request", Observation.End.CLOSED).key(false));
        assertEquals("2xx[GET /a HTTP/1.1 host=x body=0:e3b0c442] + truncated body | still open",
                Observation.of(APP.substring(0, APP.length() - 2), Observation.End.TIMEOUT).key(false));
        assertEquals("2xx + bad chunked body | closed",
                Observation.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", Observation.End.CLOSED).key(false));
    }
}
