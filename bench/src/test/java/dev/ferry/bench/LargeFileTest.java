package dev.ferry.bench;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 1 GiB file (sparse, so no disk fills) streams out of every server running in a JVM limited to a
 * 64 MiB heap, every byte checked: a server that held the file, or a large part of it, in its heap
 * would die of an OutOfMemoryError ({@code -XX:+ExitOnOutOfMemoryError}) and fail the check.
 */
class LargeFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"dev", "undertow", "netty", "tomcat"})
    @Timeout(90)
    void aGibibyteStreamsOutOfA64MibHeap(String server) throws Exception {
        LargeFileCheck.Result result = LargeFileCheck.check(server, 1L << 30, "64m", System.getProperty("java.class.path"));
        System.out.println(result);
        assertEquals(1L << 30, result.bytes());
    }
}
