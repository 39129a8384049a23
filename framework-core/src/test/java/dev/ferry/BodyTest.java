package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BodyTest {

    @Test
    void kindsAndLengths() throws Exception {
        assertEquals(0, Body.empty().length());
        assertEquals(Body.empty(), Body.of(new byte[0]));
        assertEquals(5, Body.of("héll").length());
        assertEquals("héll", Body.of("héll").text());
        assertEquals("héll", Body.of("héll", StandardCharsets.ISO_8859_1).text(StandardCharsets.ISO_8859_1));
        assertEquals(-1, Body.of(new ByteArrayInputStream(new byte[3])).length());
        assertEquals(3, Body.of(new ByteArrayInputStream(new byte[3]), 3).length());
        assertEquals(-1, Body.streamed(out -> out.write(1)).length());
    }

    @Test
    void closingOneEmptyStreamLeavesTheOthersOpen() throws Exception {
        Body.empty().stream().close();
        try (InputStream in = Body.empty().stream()) {
            assertEquals(-1, in.read());
        }
        assertEquals(0, Body.empty().bytes().length);
    }

    @Test
    void streamBodiesAreReadOnce() throws Exception {
        Body body = Body.of(new ByteArrayInputStream("abc".getBytes(StandardCharsets.UTF_8)));
        assertEquals("abc", body.text());
        assertThrows(IllegalStateException.class, body::text);
    }

    @Test
    void bytesCannotBeChangedFromOutside() throws Exception {
        Body body = Body.of("abc");
        body.bytes()[0] = 'x';
        assertEquals("abc", body.text());
        assertThrows(java.nio.ReadOnlyBufferException.class, () -> ((Body.Bytes) body).buffer().put((byte) 1));
    }

    @Test
    void streamedBodiesWriteWhenAsked() throws Exception {
        Body body = Body.streamed(out -> {
            out.write("a".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("b".getBytes(StandardCharsets.UTF_8));
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        body.writeTo(out);
        assertEquals("ab", out.toString(StandardCharsets.UTF_8));
        assertEquals("ab", body.text());
    }

    @Test
    void fileBodies(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f.txt");
        Files.writeString(file, "file content");
        Body body = Body.of(file);
        assertEquals(12, body.length());
        assertEquals(file, ((Body.File) body).path());
        assertArrayEquals(Files.readAllBytes(file), body.bytes());
    }
}
