package dev.ferry.json.internal;

import dev.ferry.HttpException;
import dev.ferry.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.exc.InvalidDefinitionException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.PropertyBindingException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * Turns what Jackson throws while reading a request body into the answer the client gets. Jackson's
 * own messages name Java classes and configuration switches, so the client's message is worded here
 * from the location, the property path and the kind of problem, and holds nothing else.
 */
public final class Problems {

    private static final int MAX_NAME = 64;

    private Problems() {
    }

    /**
     * Returns the exception to throw for a failed read: an {@link HttpException} found in the cause
     * chain as it is (the body limit's 413, a read timeout's 408, or one that a constructor threw);
     * 400 for input that is not JSON or does not bind; the exception itself for a mapper that cannot
     * bind the type at all, which is the app's fault (500).
     */
    public static RuntimeException of(JacksonException e) {
        HttpException status = httpCause(e);
        if (status != null) {
            return status;
        }
        if (e instanceof JacksonIOException io) {
            return new UncheckedIOException("the request body could not be read", io.getCause());
        }
        if (e instanceof InvalidDefinitionException) {
            return e;
        }
        return new HttpException(Status.BAD_REQUEST, "Bad Request: " + describe(e));
    }

    /** Returns the exception to throw when the body stream failed outside Jackson (on close). */
    public static RuntimeException of(IOException e) {
        HttpException status = httpCause(e);
        return status != null ? status : new UncheckedIOException("the request body could not be read", e);
    }

    private static HttpException httpCause(Throwable e) {
        Throwable cause = e;
        for (int depth = 0; cause != null && depth < 32; depth++, cause = cause.getCause()) {
            if (cause instanceof HttpException http) {
                return http;
            }
        }
        return null;
    }

    private static String describe(JacksonException e) {
        String where = where(e);
        if (e instanceof UnexpectedEndOfInputException || e instanceof StreamReadException
                && e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Unexpected end-of-input")) {
            return "the JSON document ends early" + at(e);
        }
        if (e instanceof StreamConstraintsException) {
            return "the JSON document exceeds the parser's limits (nesting depth, number or text length)" + at(e);
        }
        if (e instanceof InputCoercionException) {
            return "a number out of range" + where;
        }
        if (e instanceof PropertyBindingException unknown) {
            return "unknown property '" + name(unknown.getPropertyName()) + "'" + where;
        }
        if (e instanceof ValueInstantiationException) {
            return "an invalid value" + where;
        }
        if (e instanceof MismatchedInputException mismatch) {
            String message = mismatch.getOriginalMessage();
            if (message != null && message.startsWith("No content to map")) {
                return "the body is empty, expected a JSON value";
            }
            Class<?> target = mismatch.getTargetType();
            return (target == null ? "a value of the wrong type" : "expected " + kind(target)) + where;
        }
        if (e instanceof StreamReadException) {
            return "malformed JSON" + at(e);
        }
        return "the JSON body does not match what is expected" + where;
    }

    /** The property path and location, such as {@code " at $.pets[1].age (line 1, column 60)"}. */
    private static String where(JacksonException e) {
        String path = path(e);
        String location = location(e.getLocation());
        if (path.isEmpty()) {
            return location.isEmpty() ? "" : " at " + location;
        }
        return " at " + path + (location.isEmpty() ? "" : " (" + location + ")");
    }

    private static String at(JacksonException e) {
        String location = location(e.getLocation());
        return location.isEmpty() ? "" : " at " + location;
    }

    private static String location(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return "line " + location.getLineNr() + ", column " + Math.max(1, location.getColumnNr());
    }

    private static String path(JacksonException e) {
        return e.getPath().isEmpty() ? "" : path(e.getPath());
    }

    private static String path(List<JacksonException.Reference> references) {
        StringBuilder path = new StringBuilder("$");
        for (JacksonException.Reference reference : references) {
            if (reference.getPropertyName() != null) {
                String name = name(reference.getPropertyName());
                if (isIdentifier(name)) {
                    path.append('.').append(name);
                } else {
                    path.append("['").append(name.replace("\\", "\\\\").replace("'", "\\'")).append("']");
                }
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static boolean isIdentifier(String name) {
        if (name.isEmpty() || !Character.isJavaIdentifierStart(name.charAt(0))) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            if (!Character.isJavaIdentifierPart(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A client-sent name, cut short and with control characters replaced, fit to echo in a message. */
    private static String name(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder safe = new StringBuilder();
        for (int i = 0; i < name.length() && safe.length() < MAX_NAME; i++) {
            char c = name.charAt(i);
            safe.append(Character.isISOControl(c) ? '?' : c);
        }
        if (name.length() > MAX_NAME) {
            safe.append("...");
        }
        return safe.toString();
    }

    /** The JSON kind a Java type binds from, so the message names no Java class. */
    private static String kind(Class<?> type) {
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isPrimitive() && type != char.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == String.class || type == char.class || type == Character.class || CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of the accepted strings";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.getName().startsWith("java.time.")) {
            return "a date or time";
        }
        if (Map.class.isAssignableFrom(type) || !type.getName().startsWith("java.")) {
            return "an object";
        }
        return "a value of another type";
    }
}
