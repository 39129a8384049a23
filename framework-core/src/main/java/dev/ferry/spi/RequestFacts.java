package dev.ferry.spi;

import dev.ferry.Status;
import dev.ferry.internal.Fields;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The request header fields as a server hands them over, collected once, with what the engine needs
 * from them noted on the way: the framing, {@code Connection}, {@code Expect} and {@code Host}.
 */
final class RequestFacts implements BiConsumer<String, String> {

    String[] fields = new String[16];
    int size;
    private int bytes;
    private int hosts;
    private int hostBytes;
    private int cookieSplits; // the "; " that separate cookies in Cookie fields
    private int lengths;
    private String contentLength;
    private int codings;
    private String transferEncoding;
    private String connection;
    private String host;
    private boolean badValue;
    private boolean http2BadValue; // beyond Latin-1, or whitespace at either end: values HTTP/2 refuses too
    private boolean http2ConnectionField; // a field HTTP/2 has no place for: Keep-Alive, Upgrade, Proxy-Connection, TE but trailers
    boolean expectContinue;
    /** An Expect field other than {@code 100-continue}: an expectation no server here can meet. */
    boolean unknownExpectation;

    @Override
    public void accept(String name, String value) {
        if (size == fields.length) {
            fields = Arrays.copyOf(fields, size * 2);
        }
        fields[size++] = name;
        fields[size++] = value;
        bytes += name.length() + value.length() + 4;
        boolean cookie = name.length() == 6 && name.equalsIgnoreCase("Cookie");
        int last = value.length() - 1;
        if (last >= 0 && (isBlank(value.charAt(0)) || isBlank(value.charAt(last)))) {
            http2BadValue = true;
        }
        for (int i = 0; i <= last; i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                badValue = true;
            } else if (c > 0xFF) {
                http2BadValue = true;
            }
            if (cookie && c == ';' && i + 1 < value.length() && value.charAt(i + 1) == ' ') {
                cookieSplits++;
            }
        }
        switch (name.length()) {
            case 2 -> http2ConnectionField |= name.equalsIgnoreCase("TE") && !value.equalsIgnoreCase("trailers");
            case 7 -> http2ConnectionField |= name.equalsIgnoreCase("Upgrade");
            case 16 -> http2ConnectionField |= name.equalsIgnoreCase("Proxy-Connection");
            case 4 -> {
                if (name.equalsIgnoreCase("Host")) {
                    hosts++;
                    hostBytes += value.length();
                    host = value;
                }
            }
            case 6 -> {
                if (name.equalsIgnoreCase("Expect")) {
                    expectContinue = value.equalsIgnoreCase("100-continue");
                    unknownExpectation |= !expectContinue;
                }
            }
            case 10 -> {
                if (name.equalsIgnoreCase("Connection")) {
                    connection = connection == null ? value : connection + "," + value;
                } else {
                    http2ConnectionField |= name.equalsIgnoreCase("Keep-Alive");
                }
            }
            case 14 -> {
                if (name.equalsIgnoreCase("Content-Length")) {
                    lengths++;
                    contentLength = value;
                }
            }
            case 17 -> {
                if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    codings++;
                    transferEncoding = value;
                }
            }
            default -> {
            }
        }
    }

    /**
     * Returns the status refusing the request, or null when it is sound: the same rules that
     * {@link HeadCheck} applies to the bytes, for a server whose own parser let the request through.
     */
    Status refusal(String method, String target, String version, boolean http10, boolean http2, int maxLine,
                   int maxHeaderBytes, int maxHeaderCount) {
        if (method.length() + target.length() + version.length() + 2 > maxLine) {
            return Status.URI_TOO_LONG;
        }
        if ((http2 ? size / 2 + cookieSplits : size / 2) > maxHeaderCount
                || (http2 ? http2ListSize(method, target) : bytes) > maxHeaderBytes) {
            return Status.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (http2) {
            return version.equals("HTTP/2.0") ? http2Refusal(method, target) : Status.BAD_REQUEST;
        }
        if (!http10 && !version.equals("HTTP/1.1")) {
            boolean shaped = version.length() == 8 && version.startsWith("HTTP/") && Character.isDigit(version.charAt(5))
                    && version.charAt(6) == '.' && Character.isDigit(version.charAt(7));
            return shaped ? Status.HTTP_VERSION_NOT_SUPPORTED : Status.BAD_REQUEST;
        }
        if (!Fields.isToken(method) || method.length() > 32 || badValue || hosts > 1 || hosts == 0 && !http10 || host != null && !Fields.isHost(host)) {
            return Status.BAD_REQUEST;
        }
        if (codings > 0) {
            // chunked is the one transfer coding, once, and never with a length or on HTTP/1.0
            return codings > 1 || lengths > 0 || http10 || !transferEncoding.equalsIgnoreCase("chunked")
                    ? Status.BAD_REQUEST : null;
        }
        if (lengths > 1 || lengths == 1 && ExchangeEngine.parseLength(contentLength) < 0) {
            return Status.BAD_REQUEST;
        }
        return null;
    }

    /**
     * The size of the header list as SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113, section 6.5.2): each
     * field's name and value and 32 bytes, the pseudo-header fields included. Where a server may have dropped or
     * joined fields before the engine sees them, the count takes the larger case, so that it is at least what
     * every server counts and the engine decides alike: {@code :scheme} at its longer value, each Host as both
     * {@code :authority} and a Host field (a request may carry both, equal), and each cookie of a Cookie field as
     * a field of its own (a client may send cookies so, RFC 9113, section 8.2.3, and some servers join them);
     * the field count of an HTTP/2 request counts each cookie so too.
     */
    private int http2ListSize(String method, String target) {
        int pseudo = ":method".length() + method.length() + ":path".length() + target.length() + ":scheme".length()
                + "https".length() + 3 * 32;
        int sent = bytes + (32 - 4) * (size / 2); // bytes counts each field's name and value and 4
        int asAuthority = hosts * (":authority".length() + 32) + hostBytes;
        int asCookies = cookieSplits * ("cookie".length() + 32 - "; ".length());
        return pseudo + sent + asAuthority + asCookies;
    }

    /**
     * The rules of an HTTP/2 request (RFC 9113, section 8.2): token names, values without control
     * characters or whitespace at either end, no field of the connection, no transfer coding, at most one
     * sound Content-Length, one Host (the adapter passes {@code :authority} as Host, and any other Host or
     * {@code :authority} it sees), and a target of visible ASCII characters in origin form, or {@code *}.
     */
    private Status http2Refusal(String method, String target) {
        if (!Fields.isToken(method) || method.length() > 32 || hosts != 1 || !Fields.isHost(host)
                || connection != null || codings > 0 || lengths > 1
                || lengths == 1 && ExchangeEngine.parseLength(contentLength) < 0) {
            return Status.BAD_REQUEST;
        }
        if (!target.startsWith("/") && !target.equals("*")) {
            return Status.BAD_REQUEST; // :path holds no scheme or authority (RFC 9113, section 8.3.1)
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return Status.BAD_REQUEST; // as on HTTP/1.1, where a space ends the target and raw octets are refused
            }
        }
        if (badValue || http2BadValue || http2ConnectionField) {
            return Status.BAD_REQUEST;
        }
        for (int i = 0; i < size; i += 2) {
            if (!Fields.isToken(fields[i])) {
                return Status.BAD_REQUEST;
            }
        }
        return null;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * Applies the rules of the request target's form: {@code *} is for OPTIONS only, and an absolute
     * form's authority must be the Host field's value (or stands for a missing one), so that the app
     * and every proxy in front agree on one host whatever the server. Returns the refusal, or null.
     */
    Status target(String target, String method) {
        if (method.equals("CONNECT")) {
            return Status.NOT_IMPLEMENTED; // no tunnels here, whatever the target
        }
        if (target.equals("*")) {
            return method.equals("OPTIONS") && declaredLength() == 0 ? null : Status.BAD_REQUEST;
        }
        if (target.startsWith("/")) {
            return null;
        }
        int scheme = target.indexOf("://");
        if (scheme <= 0 || !target.regionMatches(true, 0, "http", 0, 4) || scheme != 4
                && !(scheme == 5 && target.regionMatches(true, 0, "https", 0, 5))) {
            return Status.BAD_REQUEST;
        }
        int end = scheme + 3;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?' && target.charAt(end) != '#') {
            end++;
        }
        String authority = target.substring(scheme + 3, end);
        if (authority.isEmpty() || authority.indexOf('@') >= 0) {
            return Status.BAD_REQUEST;
        }
        for (int i = 0; i < size; i += 2) {
            if (fields[i].equalsIgnoreCase("Host") && !fields[i + 1].equals(authority)) {
                // two hosts for one request: which one a proxy in front believed cannot be known
                return Status.BAD_REQUEST;
            }
        }
        if (hosts == 0) {
            accept("Host", authority);
        }
        return null;
    }

    /** Returns the declared body length: the Content-Length, -1 for a chunked body, 0 for none. */
    long declaredLength() {
        return codings > 0 ? -1 : lengths == 0 ? 0 : ExchangeEngine.parseLength(contentLength);
    }

    /** Returns whether the client lets the connection stay open after this request. */
    boolean keepAlive(boolean http10) {
        if (connection == null) {
            return !http10;
        }
        return !ExchangeEngine.hasToken(connection, "close") && (!http10 || ExchangeEngine.hasToken(connection, "keep-alive"));
    }
}
