package dev.ferry.json;

import dev.ferry.Body;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.MediaType;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.json.internal.Problems;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.type.TypeReference;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies as Java values and answers with values as JSON, on a Jackson
 * {@link ObjectMapper}. A body that is not JSON, or does not bind to the type asked for, is answered
 * 400 with a message that names where it went wrong; a request that does not say it carries JSON is
 * answered 415; the server's body limit stays 413.
 *
 * <pre>{@code
 * Json json = Json.create();
 * Router.builder().post("/pets", request -> {
 *     Pet pet = json.read(request, Pet.class);
 *     return json.response(Status.CREATED, pets.add(pet));
 * });
 * }</pre>
 *
 * <p>A {@code Json} is immutable and safe to share between threads; make one per app.
 */
public final class Json {

    private static final Headers JSON_HEADERS = Headers.of("Content-Type", "application/json");

    private final ObjectMapper mapper;

    private Json(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Returns a {@code Json} on a mapper with Jackson's defaults, except its buffer pool: one bounded
     * pool shared by every thread (see {@link #mapperBuilder()}).
     */
    public static Json create() {
        return new Json(mapperBuilder().build());
    }

    /** Returns a {@code Json} on this mapper, used as it is configured. */
    public static Json create(ObjectMapper mapper) {
        return new Json(Objects.requireNonNull(mapper, "mapper"));
    }

    /**
     * Returns a mapper builder with the buffer pool Ferry uses, to configure further and pass to
     * {@link #create(ObjectMapper)}. Jackson recycles its parse and write buffers through a pool; with
     * a virtual thread per request a per-thread pool is never reused, and an unbounded one keeps the
     * peak's buffers forever. This pool is shared by every thread and holds at most 100 sets of
     * buffers (about 3 MB); past that, buffers are made and dropped as needed.
     */
    public static JsonMapper.Builder mapperBuilder() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build());
    }

    /** Returns the mapper. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Reads the request body as a value of this type.
     *
     * @throws HttpException 415 when the request's Content-Type is missing or not JSON
     *     ({@code application/json} or {@code application/*+json}, in UTF-8); 400 when the body is
     *     empty, {@code null}, malformed or does not bind to the type, with a message that names the
     *     line and column or the property; 413 when it is larger than the server allows
     */
    public <T> T read(Request request, Class<T> type) {
        return read(request, mapper.constructType(type));
    }

    /**
     * Reads the request body as a value of this generic type, such as
     * {@code new TypeReference<List<Pet>>() {}}.
     *
     * @throws HttpException as {@link #read(Request, Class)} does
     */
    public <T> T read(Request request, TypeReference<T> type) {
        return read(request, mapper.constructType(type));
    }

    private <T> T read(Request request, JavaType type) {
        checkContentType(request);
        T value;
        try (InputStream in = request.body().stream()) {
            value = mapper.readValue(in, type);
        } catch (JacksonException e) {
            throw Problems.of(e);
        } catch (IOException e) {
            throw Problems.of(e);
        }
        if (value == null) {
            throw new HttpException(Status.BAD_REQUEST, "Bad Request: the body is null, expected a JSON value");
        }
        return value;
    }

    /** Returns 200 OK with the value as {@code application/json}. */
    public Response response(Object value) {
        return response(Status.OK, value);
    }

    /**
     * Returns a response with this status and the value as {@code application/json}. The value is
     * written now, into Jackson's pooled buffers and then one array of its exact size, which the
     * server sends with a Content-Length; a value that cannot be written fails here, in the handler.
     */
    public Response response(Status status, Object value) {
        return Response.of(status, JSON_HEADERS, body(value));
    }

    /** Returns the value written now as a JSON body, as {@link #response(Status, Object)} does. */
    public Body body(Object value) {
        return Body.of(mapper.writeValueAsBytes(value));
    }

    /**
     * Returns 200 OK with the value written as {@code application/json} while the response is sent,
     * chunked, never held whole in memory: for large documents. A value that fails before 8 KiB are
     * written is answered 500; after that, the connection is cut so the client never takes a partial
     * document for a whole one.
     */
    public Response streamed(Object value) {
        return Response.of(Status.OK, JSON_HEADERS, Body.streamed(out -> mapper.writeValue(new Unflushed(out), value)));
    }

    private static void checkContentType(Request request) {
        Optional<MediaType> type = request.contentType();
        if (type.isEmpty()) {
            throw new HttpException(Status.UNSUPPORTED_MEDIA_TYPE, request.header("Content-Type").isPresent()
                    ? "Unsupported Media Type: the Content-Type is malformed, expected application/json"
                    : "Unsupported Media Type: the request has no Content-Type, expected application/json");
        }
        MediaType media = type.get();
        boolean json = media.type().equals("application")
                && (media.subtype().equals("json") || media.subtype().endsWith("+json"));
        if (!json) {
            throw new HttpException(Status.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported Media Type: expected application/json, got " + media.type() + "/" + media.subtype());
        }
        String charset = media.parameters().get("charset");
        if (charset != null && !utf8(charset)) {
            throw new HttpException(Status.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type: JSON is read as UTF-8 only");
        }
    }

    private static boolean utf8(String charset) {
        try {
            return Charset.forName(charset).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Passes Jackson's writes on but not its flush and close at the end of a value: the engine ends
     * the response when the writer returns, so a flush there would only send the last bytes apart.
     */
    private static final class Unflushed extends OutputStream {
        private final OutputStream out;

        Unflushed(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }
    }
}
