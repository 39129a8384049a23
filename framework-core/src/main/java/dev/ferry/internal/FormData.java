package dev.ferry.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code Content-Disposition} of a {@code multipart/form-data} part (RFC 7578 section 4.2, RFC
 * 6266 parameters, RFC 5987 {@code filename*}) and the safe form of a client's file name.
 */
public final class FormData {

    /** The longest safe file name, in UTF-8 bytes: what common file systems accept. */
    public static final int MAX_FILENAME_BYTES = 255;

    private static final Set<String> WINDOWS_DEVICES = Set.of("con", "prn", "aux", "nul",
            "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
            "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    private FormData() {
    }

    /**
     * A parsed disposition.
     *
     * @param name the field name
     * @param filename the client's file name, decoded but not sanitised, or null
     */
    public record Disposition(String name, String filename) {
    }

    /**
     * Parses a part's {@code Content-Disposition} value, whose octets are ISO-8859-1 characters.
     *
     * @throws HttpException 400 when it is absent, not {@code form-data}, has no name or is malformed
     */
    public static Disposition disposition(String value) {
        if (value == null) {
            throw malformed("a part has no Content-Disposition header");
        }
        int semicolon = value.indexOf(';');
        String type = (semicolon < 0 ? value : value.substring(0, semicolon)).strip();
        if (!type.equalsIgnoreCase("form-data")) {
            throw malformed("a part's Content-Disposition is not form-data");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        int at = semicolon < 0 ? value.length() : semicolon + 1;
        int n = value.length();
        while (at < n) {
            while (at < n && (value.charAt(at) == ' ' || value.charAt(at) == '\t' || value.charAt(at) == ';')) {
                at++;
            }
            if (at == n) {
                break;
            }
            int equals = value.indexOf('=', at);
            if (equals < 0) {
                throw malformed("a part's Content-Disposition has a parameter without a value");
            }
            String key = value.substring(at, equals).strip().toLowerCase(Locale.ROOT);
            if (!Fields.isToken(key)) {
                throw malformed("a part's Content-Disposition has a malformed parameter name");
            }
            at = equals + 1;
            while (at < n && (value.charAt(at) == ' ' || value.charAt(at) == '\t')) {
                at++;
            }
            String parameter;
            if (at < n && value.charAt(at) == '"') {
                StringBuilder quoted = new StringBuilder();
                at++;
                boolean closed = false;
                while (at < n) {
                    char c = value.charAt(at++);
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    // only \" and \\ are escapes: browsers send Windows paths with bare backslashes
                    if (c == '\\' && at < n && (value.charAt(at) == '"' || value.charAt(at) == '\\')) {
                        c = value.charAt(at++);
                    }
                    quoted.append(c);
                }
                if (!closed) {
                    throw malformed("a part's Content-Disposition has an unterminated quoted string");
                }
                parameter = quoted.toString();
                while (at < n && value.charAt(at) != ';') {
                    if (value.charAt(at) != ' ' && value.charAt(at) != '\t') {
                        throw malformed("a part's Content-Disposition has text after a quoted string");
                    }
                    at++;
                }
            } else {
                int end = value.indexOf(';', at);
                end = end < 0 ? n : end;
                parameter = value.substring(at, end).strip();
                at = end;
            }
            parameters.putIfAbsent(key, parameter);
        }
        String name = parameters.get("name");
        if (name == null) {
            throw malformed("a part's Content-Disposition has no name parameter");
        }
        String filename = null;
        String extended = parameters.get("filename*");
        if (extended != null) {
            filename = extended(extended);
        } else if (parameters.containsKey("filename")) {
            filename = utf8OrLatin1(parameters.get("filename"));
        }
        return new Disposition(utf8OrLatin1(name), filename);
    }

    /**
     * Decodes an RFC 5987 {@code ext-value}: {@code charset'language'percent-encoded}.
     *
     * @throws HttpException 400 when it is malformed or names a charset the JDK lacks
     */
    public static String extended(String value) {
        int first = value.indexOf('\'');
        int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
        if (second < 0) {
            throw malformed("a part's filename* is not charset'language'value");
        }
        Charset charset;
        try {
            charset = Charset.forName(value.substring(0, first));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw malformed("a part's filename* names an unknown charset");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        for (int i = second + 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                int hi = i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(value.charAt(i + 2), 16);
                if (lo < 0) {
                    throw malformed("a part's filename* has a bad percent-encoding");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x20 && c < 0x7F) {
                bytes.write(c);
            } else {
                throw malformed("a part's filename* holds a character that must be percent-encoded");
            }
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw malformed("a part's filename* is not valid " + charset.name());
        }
    }

    /**
     * Reads header text whose characters are octets: as UTF-8 when the octets are valid UTF-8, as
     * browsers send non-ASCII names, else as ISO-8859-1.
     */
    public static String utf8OrLatin1(String octets) {
        boolean ascii = true;
        for (int i = 0; i < octets.length() && ascii; i++) {
            ascii = octets.charAt(i) < 0x80;
        }
        if (ascii) {
            return octets;
        }
        byte[] bytes = octets.getBytes(StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return octets;
        }
    }

    /**
     * Returns a file name safe to use as one path segment: only what follows the last {@code /} or
     * {@code \}, without control or format characters, without leading dots or trailing dots and
     * spaces, with {@code : * ? " < > |} replaced by {@code _}, a Windows device name prefixed with
     * {@code _}, and at most {@value #MAX_FILENAME_BYTES} UTF-8 bytes with the extension kept. Empty only
     * when the client's name is empty; {@code upload} when nothing safe is left of another name.
     */
    public static String safeFilename(String untrusted) {
        if (untrusted.isEmpty()) {
            return "";
        }
        int cut = Math.max(untrusted.lastIndexOf('/'), untrusted.lastIndexOf('\\'));
        String base = untrusted.substring(cut + 1);
        StringBuilder safe = new StringBuilder(base.length());
        for (int i = 0; i < base.length(); ) {
            int c = base.codePointAt(i);
            i += Character.charCount(c);
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                    || type == Character.SURROGATE || type == Character.PRIVATE_USE
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                continue;
            }
            safe.appendCodePoint(":*?\"<>|".indexOf(c) >= 0 ? '_' : c);
        }
        int start = 0;
        while (start < safe.length() && (safe.charAt(start) == '.' || Character.isWhitespace(safe.charAt(start)))) {
            start++;
        }
        int end = safe.length();
        while (end > start && (safe.charAt(end - 1) == '.' || Character.isWhitespace(safe.charAt(end - 1)))) {
            end--;
        }
        String name = safe.substring(start, end);
        if (name.isEmpty()) {
            return "upload";
        }
        int dot = name.indexOf('.');
        if (WINDOWS_DEVICES.contains((dot < 0 ? name : name.substring(0, dot)).toLowerCase(Locale.ROOT))) {
            name = "_" + name;
        }
        return bounded(name);
    }

    private static String bounded(String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_FILENAME_BYTES) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
        String stem = name.substring(0, name.length() - extension.length());
        int room = MAX_FILENAME_BYTES - extension.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder kept = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < stem.length(); ) {
            int c = stem.codePointAt(i);
            int size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (bytes + size > room) {
                break;
            }
            kept.appendCodePoint(c);
            bytes += size;
            i += Character.charCount(c);
        }
        return kept + extension;
    }

    private static HttpException malformed(String why) {
        return new HttpException(Status.BAD_REQUEST, "Bad Request: malformed multipart body: " + why);
    }
}
