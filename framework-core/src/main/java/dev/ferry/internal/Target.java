package dev.ferry.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.util.Arrays;

/**
 * A parsed request target: its path as raw (still percent-encoded) segments and as decoded
 * segments, with dot-segments resolved, and the raw query. Each segment is decoded once, on its own,
 * so an encoded slash stays inside its segment.
 *
 * @param raw the path segments as sent, without slashes; {@code "/"} is one empty segment
 * @param decoded the same segments percent-decoded as UTF-8
 * @param query the raw query after {@code ?}, or {@code null} when there is none
 */
public record Target(String[] raw, String[] decoded, String query) {

    private static final String[] ROOT = {""};
    private static final Target ASTERISK = new Target(new String[] {"*"}, new String[] {"*"}, null);

    /**
     * Parses an origin-form ({@code /a/b?q}), absolute-form ({@code http://host/a?q}) or asterisk-form
     * ({@code *}) target.
     *
     * @throws HttpException 400 for any other form, a bad escape, invalid UTF-8, a NUL or backslash, an
     *     empty segment before the last, an encoded slash forming an empty, {@code .} or {@code ..}
     *     element, a {@code .} or {@code ..} with path parameters ({@code ..;x}), or a {@code ..} that
     *     climbs above the root
     */
    public static Target parse(String target) {
        if (target.equals("*")) {
            return ASTERISK;
        }
        int start = 0;
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            if (scheme <= 0) {
                throw bad("request target must start with '/'");
            }
            start = scheme + 3;
            while (start < target.length() && "/?#".indexOf(target.charAt(start)) < 0) {
                start++;
            }
            if (start == target.length() || target.charAt(start) != '/') {
                // no path after the authority: the root, and what follows is the query (a '/' in it included)
                if (start < target.length() && target.charAt(start) == '#') {
                    throw bad("a request target has no fragment");
                }
                String query = start == target.length() ? null : target.substring(start + 1);
                return new Target(ROOT, ROOT, query);
            }
        }
        int question = target.indexOf('?', start);
        int end = question < 0 ? target.length() : question;
        int hash = target.indexOf('#', start);
        if (hash >= 0) {
            throw bad("a request target has no fragment");
        }
        String query = question < 0 ? null : target.substring(question + 1);
        if (isPlain(target, start, end)) {
            String[] segments = segments(target, start, end);
            return new Target(segments, segments, query);
        }
        return new Target(segments(target, start, end), null, query).decode();
    }

    /**
     * Returns whether each segment of the path is its own decoded form and passes the checks as it is: no
     * escape, NUL, backslash or octet beyond ASCII, no empty segment before the last, and no segment that
     * starts with a dot (so no {@code .} or {@code ..}, with parameters or without). Most paths are so.
     */
    private static boolean isPlain(String target, int start, int end) {
        char previous = 0;
        for (int i = start; i < end; i++) {
            char c = target.charAt(i);
            if (c == '%' || c == '\\' || c == 0 || c > 0x7E || previous == '/' && (c == '/' || c == '.')) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static String[] segments(String target, int start, int end) {
        if (end - start == 1) {
            return ROOT;
        }
        int count = 0;
        for (int i = start; i < end; i++) {
            if (target.charAt(i) == '/') {
                count++;
            }
        }
        String[] raw = new String[count];
        int n = 0;
        int from = start + 1;
        for (int i = from; i <= end; i++) {
            if (i == end || target.charAt(i) == '/') {
                raw[n++] = target.substring(from, i);
                from = i + 1;
            }
        }
        return raw;
    }

    private Target decode() {
        String[] decodedSegments = new String[raw.length];
        boolean dots = false;
        for (int i = 0; i < raw.length; i++) {
            String segment = PercentCodec.decode(raw[i], false);
            checkSegment(segment, i == raw.length - 1);
            decodedSegments[i] = segment;
            dots |= segment.equals(".") || segment.equals("..");
        }
        if (!dots) {
            return new Target(raw, decodedSegments, query);
        }
        String[] keptRaw = new String[raw.length + 1];
        String[] keptDecoded = new String[raw.length + 1];
        int n = 0;
        for (int i = 0; i < raw.length; i++) {
            String segment = decodedSegments[i];
            boolean last = i == raw.length - 1;
            if (segment.equals("..")) {
                if (n == 0) {
                    throw bad("path climbs above the root");
                }
                n--;
            } else if (!segment.equals(".")) {
                keptRaw[n] = raw[i];
                keptDecoded[n++] = segment;
                continue;
            }
            if (last) {
                keptRaw[n] = "";
                keptDecoded[n++] = "";
            }
        }
        return new Target(Arrays.copyOf(keptRaw, n), Arrays.copyOf(keptDecoded, n), query);
    }

    /**
     * Refuses what would let a path parameter, a tail or {@code path()} name something outside the
     * route that matched: a NUL, a backslash, an empty segment before the last (which makes what
     * follows an absolute path), and an encoded slash that forms {@code .}, {@code ..} or empty
     * elements inside its segment. An encoded slash between ordinary names stays inside its segment.
     */
    private static void checkSegment(String segment, boolean last) {
        if (segment.isEmpty()) {
            if (!last) {
                throw bad("empty path segment");
            }
            return;
        }
        if (segment.indexOf('\0') >= 0) {
            throw bad("NUL in path");
        }
        if (segment.indexOf('\\') >= 0) {
            throw bad("backslash in path");
        }
        int parameters = segment.indexOf(';');
        if (parameters == 1 && segment.charAt(0) == '.' || parameters == 2 && segment.startsWith("..")) {
            // '..;x' is '..' to a server that strips path parameters first (Tomcat does): a way past a route
            throw bad("a '.' or '..' segment with parameters");
        }
        if (segment.indexOf('/') < 0) {
            return;
        }
        int start = 0;
        for (int i = 0; i <= segment.length(); i++) {
            if (i == segment.length() || segment.charAt(i) == '/') {
                int length = i - start;
                if (length == 0 || length == 1 && segment.charAt(start) == '.'
                        || length == 2 && segment.charAt(start) == '.' && segment.charAt(start + 1) == '.') {
                    throw bad("an encoded slash forms an empty, '.' or '..' path element");
                }
                start = i + 1;
            }
        }
    }

    private static HttpException bad(String message) {
        return new HttpException(Status.BAD_REQUEST, "Bad Request: " + message);
    }

    /** Joins the segments from {@code from} on, each preceded by a slash; {@code /} when there are none. */
    public static String join(String[] segments, int from) {
        int to = segments.length;
        if (to == from) {
            return "/";
        }
        if (to - from == 1) {
            String only = segments[from];
            return only.isEmpty() ? "/" : "/".concat(only);
        }
        StringBuilder path = new StringBuilder();
        for (int i = from; i < to; i++) {
            path.append('/').append(segments[i]);
        }
        return path.toString();
    }
}
