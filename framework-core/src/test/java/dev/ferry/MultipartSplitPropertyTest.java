package dev.ferry;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same body read in pieces of any sizes gives the same parts as the parts it was built from:
 * contents drawn from bytes that tempt the delimiter search (CR, LF, dashes, boundary prefixes).
 */
class MultipartSplitPropertyTest {

    record Form(String boundary, List<byte[]> contents) {
        byte[] body() {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int i = 0; i < contents.size(); i++) {
                body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"p" + i
                        + "\"; filename=\"f" + i + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(ISO_8859_1));
                body.writeBytes(contents.get(i));
                body.writeBytes("\r\n".getBytes(ISO_8859_1));
            }
            body.writeBytes(("--" + boundary + "--\r\n").getBytes(ISO_8859_1));
            return body.toByteArray();
        }

        @Override
        public String toString() {
            return "Form[" + boundary + ", sizes " + contents.stream().map(c -> c.length).toList() + "]";
        }
    }

    /** Content made of pieces that look like the start of the delimiter, and random bytes. */
    static byte[] tempting(String boundary, Random random, int pieces) {
        String delimiter = "\r\n--" + boundary;
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            switch (random.nextInt(5)) {
                case 0 -> content.writeBytes(delimiter.substring(0, 1 + random.nextInt(delimiter.length() - 1)).getBytes(ISO_8859_1));
                case 1 -> content.writeBytes("\r\n".getBytes(ISO_8859_1));
                case 2 -> content.writeBytes("--".getBytes(ISO_8859_1));
                case 3 -> content.write('\r');
                default -> {
                    byte[] noise = new byte[random.nextInt(40)];
                    random.nextBytes(noise);
                    content.writeBytes(noise);
                }
            }
        }
        byte[] bytes = content.toByteArray();
        // random noise could spell the whole delimiter, which a sender must avoid; break any such run
        String text = new String(bytes, ISO_8859_1);
        return text.replace(delimiter, delimiter.substring(0, delimiter.length() - 1) + "#").getBytes(ISO_8859_1);
    }

    static Form form(Random random) {
        String chars = "abcXYZ019'()+_,-./:=?";
        StringBuilder boundary = new StringBuilder();
        int length = 1 + random.nextInt(70);
        for (int i = 0; i < length; i++) {
            boundary.append(chars.charAt(random.nextInt(chars.length())));
        }
        List<byte[]> contents = new ArrayList<>();
        int parts = random.nextInt(5);
        for (int i = 0; i < parts; i++) {
            contents.add(tempting(boundary.toString(), random, random.nextInt(3) == 0 ? 0 : random.nextInt(3000)));
        }
        return new Form(boundary.toString(), contents);
    }

    /** Parses the body read in pieces whose sizes cycle through {@code splits}; checks every part. */
    static void check(Form form, int[] splits) throws Exception {
        byte[] body = form.body();
        InputStream pieces = new InputStream() {
            int at;
            int next;

            @Override
            public int read() {
                return at == body.length ? -1 : body[at++] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at == body.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, splits[next++ % splits.length]), body.length - at);
                System.arraycopy(body, at, b, off, n);
                at += n;
                return n;
            }
        };
        Request request = Request.builder().method(Method.POST).target("/")
                .headers(Headers.of("Content-Type", "multipart/form-data; boundary=\"" + form.boundary() + "\""))
                .body(Body.of(pieces)).build();
        List<byte[]> seen = new ArrayList<>();
        Multipart.defaults().each(request, part -> {
            assertEquals("p" + seen.size(), part.name());
            assertEquals("f" + seen.size(), part.filename().orElseThrow());
            // read in odd sizes too, so the part's reads do not line up with the body's
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            byte[] buffer = new byte[1 + seen.size() * 7 % 13];
            int n;
            while ((n = part.stream().read(buffer)) >= 0) {
                content.write(buffer, 0, n);
            }
            seen.add(content.toByteArray());
        });
        assertEquals(form.contents().size(), seen.size(), "parts of " + form);
        for (int i = 0; i < seen.size(); i++) {
            assertArrayEquals(form.contents().get(i), seen.get(i), "part " + i + " of " + form);
        }
    }

    /** Bodies and read sizes drawn from 300 fixed seeds, so a failure replays exactly. */
    @Test
    void seededSplitsGiveTheSameParts() throws Exception {
        for (long seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            Form form = form(random);
            int[] splits = new int[1 + random.nextInt(10)];
            for (int i = 0; i < splits.length; i++) {
                splits[i] = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(20_000);
            }
            check(form, splits);
            check(form, new int[] {Integer.MAX_VALUE});
        }
    }
}
