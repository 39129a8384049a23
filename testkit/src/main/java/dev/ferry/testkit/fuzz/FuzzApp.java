package dev.ferry.testkit.fuzz;

import dev.ferry.Handler;
import dev.ferry.Request;
import dev.ferry.Response;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The fuzzer's app: one handler for every method and path, which reads the whole body and answers 200
 * with what it saw (method, raw path and query, version, Host values, body length and the start of its
 * SHA-256) in the body and in an {@code X-Fuzz} header, so HEAD answers carry it too. A response without
 * that header was written by the server, not the app. Bytes outside visible ASCII show as {@code \xNN}.
 */
public final class FuzzApp {

    /** The response header that carries what the app saw. */
    public static final String HEADER = "X-Fuzz";

    private FuzzApp() {
    }

    /** Returns the handler. */
    public static Handler handler() {
        return FuzzApp::handle;
    }

    private static Response handle(Request request) throws Exception {
        byte[] body = request.body().bytes();
        String target = request.rawPath() + (request.rawQuery().isEmpty() ? "" : "?" + request.rawQuery());
        String saw = visible(request.method().name()) + " " + visible(target) + " " + visible(request.version()) + " host="
                + visible(String.join(",", request.headers().all("Host"))) + " body=" + body.length + ":" + sha(body);
        return Response.text(saw).withHeader(HEADER, saw);
    }

    private static String sha(byte[] body) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 4);
    }

    /** Escapes spaces and what a header value cannot carry, so the answer is one valid field value. */
    private static String visible(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c > 0x20 && c < 0x7F) {
                out.append(c);
            } else if (c <= 0xFF) {
                out.append(String.format("\\x%02X", (int) c));
            } else {
                out.append(String.format("\\u%04X", (int) c));
            }
        }
        return out.toString();
    }
}
