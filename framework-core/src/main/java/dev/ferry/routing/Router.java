package dev.ferry.routing;

import dev.ferry.Errors;
import dev.ferry.Handler;
import dev.ferry.Headers;
import dev.ferry.HttpException;
import dev.ferry.Method;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.WebSocket;
import dev.ferry.internal.Access;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes requests by method and path to handlers; a router is itself a {@link Handler}.
 *
 * <p>Patterns are literal segments, {@code {name}} parameters (one non-empty segment) and a final
 * {@code {name...}} or {@code *} tail (the rest of the path). Literal segments win over parameters,
 * parameters over tails, tails over mounted apps. Lookup walks a tree one segment at a time, so its
 * cost depends on the depth of the path, not on the number of routes. Unmatched paths get 404, other
 * methods 405 with {@code Allow} (501 for methods HTTP does not define), HEAD is answered by the GET
 * route, and OPTIONS lists the allowed methods unless a route takes it. A trailing slash is
 * significant: {@code /a} and {@code /a/} are different paths.
 *
 * <p>What a route or a mounted app throws comes out of the router as the response {@link Errors}
 * maps it to, and the router's own 404, 405 and 501 are rendered by the {@link dev.ferry.ErrorRenderer}
 * in force, so the filters around a router see every error as a response.
 */
public final class Router implements Handler {

    private static final String[] ROOT = {""};

    private final Node root;

    private Router(Node root) {
        this.root = root;
    }

    /** Returns a builder for a router. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Response handle(Request request) throws Exception {
        Access.Requests access = Access.requests();
        String[] path = access.segments(request);
        int first = access.first(request);
        if (first == path.length) {
            path = ROOT;
            first = 0;
        }
        Found found = find(root, path, first);
        if (found == null) {
            return Errors.render(request, Status.NOT_FOUND, "Not Found");
        }
        if (found.mount != null) {
            return call(found.mount.handler, access.mounted(request, found.mount.depth, Map.of()));
        }
        Method method = request.method();
        Route route = found.routes.get(method);
        if (route == null && method.equals(Method.HEAD)) {
            route = found.routes.get(Method.GET);
        }
        if (route == null) {
            String allow = allow(found.routes);
            if (method.equals(Method.OPTIONS)) {
                return Response.of(Status.NO_CONTENT).withHeader("Allow", allow);
            }
            Status status = method.isStandard() ? Status.METHOD_NOT_ALLOWED : Status.NOT_IMPLEMENTED;
            return Errors.render(request, status, status.reason()).withHeader("Allow", allow);
        }
        return call(route.handler, access.mounted(request, 0, route.params(path, first)));
    }

    /** Runs a route or a mounted app; what it throws becomes a response, for the filters around the router. */
    private static Response call(Handler handler, Request request) {
        try {
            return handler.handle(request);
        } catch (Exception | StackOverflowError e) {
            return Errors.response(request, e);
        }
    }

    private static Found find(Node node, String[] path, int at) {
        if (at == path.length) {
            if (!node.routes.isEmpty()) {
                return new Found(node.routes, null);
            }
            return node.mount == null ? null : new Found(null, node.mount);
        }
        String segment = path[at];
        Node child = node.literals.get(segment);
        if (child != null) {
            Found found = find(child, path, at + 1);
            if (found != null) {
                return found;
            }
        }
        if (node.parameter != null && !segment.isEmpty()) {
            Found found = find(node.parameter, path, at + 1);
            if (found != null) {
                return found;
            }
        }
        if (!node.tailRoutes.isEmpty()) {
            return new Found(node.tailRoutes, null);
        }
        return node.mount == null ? null : new Found(null, node.mount);
    }

    private static String allow(Map<Method, Route> routes) {
        Set<String> methods = new LinkedHashSet<>();
        for (Method method : routes.keySet()) {
            methods.add(method.name());
            if (method.equals(Method.GET)) {
                methods.add("HEAD");
            }
        }
        methods.add("OPTIONS");
        return String.join(", ", methods);
    }

    private record Found(Map<Method, Route> routes, Mount mount) {
    }

    private record Mount(Handler handler, int depth) {
    }

    /** A handler with where its parameters sit in the path. */
    private record Route(Handler handler, String[] names, int[] positions, String tailName, int tailStart) {

        Map<String, String> params(String[] path, int first) {
            if (names.length == 0 && tailName == null) {
                return Map.of();
            }
            if (names.length == 1 && tailName == null) {
                return Map.of(names[0], path[first + positions[0]]);
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                params.put(names[i], path[first + positions[i]]);
            }
            if (tailName != null) {
                params.put(tailName, String.join("/", Arrays.asList(path).subList(first + tailStart, path.length)));
            }
            return Collections.unmodifiableMap(params);
        }
    }

    private static final class Node {
        final Map<String, Node> literals = new HashMap<>();
        Node parameter;
        final Map<Method, Route> routes = new LinkedHashMap<>();
        final Map<Method, Route> tailRoutes = new LinkedHashMap<>();
        Mount mount;
    }

    /** Collects routes and mounted apps; {@link #build()} makes an immutable router. */
    public static final class Builder {
        private final Node root = new Node();
        private boolean built;

        private Builder() {
        }

        /** Routes GET (and so HEAD) requests matching the pattern. */
        public Builder get(String pattern, Handler handler) {
            return route(Method.GET, pattern, handler);
        }

        /** Routes POST requests matching the pattern. */
        public Builder post(String pattern, Handler handler) {
            return route(Method.POST, pattern, handler);
        }

        /** Routes PUT requests matching the pattern. */
        public Builder put(String pattern, Handler handler) {
            return route(Method.PUT, pattern, handler);
        }

        /** Routes DELETE requests matching the pattern. */
        public Builder delete(String pattern, Handler handler) {
            return route(Method.DELETE, pattern, handler);
        }

        /** Routes PATCH requests matching the pattern. */
        public Builder patch(String pattern, Handler handler) {
            return route(Method.PATCH, pattern, handler);
        }

        /**
         * Routes WebSocket upgrades matching the pattern to the endpoint, accepting same-origin and
         * non-browser clients; other methods get 405 as for any GET route. See {@link WebSocket}.
         */
        public Builder websocket(String pattern, WebSocket.Endpoint endpoint) {
            return route(Method.GET, pattern, WebSocket.upgrade(endpoint));
        }

        /** Routes WebSocket upgrades matching the pattern through this upgrade, such as one that allows other origins. */
        public Builder websocket(String pattern, WebSocket.Upgrade upgrade) {
            return route(Method.GET, pattern, upgrade);
        }

        /** Routes HEAD requests matching the pattern, instead of answering them with the GET route. */
        public Builder head(String pattern, Handler handler) {
            return route(Method.HEAD, pattern, handler);
        }

        /** Routes OPTIONS requests matching the pattern, instead of the automatic answer. */
        public Builder options(String pattern, Handler handler) {
            return route(Method.OPTIONS, pattern, handler);
        }

        /**
         * Routes requests with this method, standard or not, matching the pattern.
         *
         * @throws IllegalArgumentException when the pattern is malformed
         * @throws IllegalStateException when the same method and pattern are routed twice
         */
        public Builder route(Method method, String pattern, Handler handler) {
            checkOpen();
            String[] segments = split(pattern);
            Node node = root;
            List<String> names = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < segments.length; i++) {
                String segment = segments[i];
                if (segment.equals("*") || segment.startsWith("{") && segment.endsWith("...}")) {
                    if (i != segments.length - 1) {
                        throw new IllegalArgumentException("a tail wildcard must end the pattern: " + pattern);
                    }
                    String tail = segment.equals("*") ? "*" : name(segment.substring(1, segment.length() - 4), pattern, seen);
                    put(node.tailRoutes, method, new Route(handler, toArray(names), toInts(positions), tail, i), pattern);
                    return this;
                }
                if (segment.startsWith("{") && segment.endsWith("}")) {
                    names.add(name(segment.substring(1, segment.length() - 1), pattern, seen));
                    positions.add(i);
                    if (node.parameter == null) {
                        node.parameter = new Node();
                    }
                    node = node.parameter;
                } else {
                    if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0) {
                        throw new IllegalArgumentException("a parameter must be a whole segment: " + pattern);
                    }
                    node = node.literals.computeIfAbsent(segment, key -> new Node());
                }
            }
            put(node.routes, method, new Route(handler, toArray(names), toInts(positions), null, -1), pattern);
            return this;
        }

        /**
         * Mounts an app under a literal prefix such as {@code /admin}: it receives every request below
         * the prefix that no route of this router takes, with the prefix moved into
         * {@link Request#contextPath()} and the rest, or {@code /}, as {@link Request#path()}.
         */
        public Builder mount(String prefix, Handler app) {
            checkOpen();
            String[] segments = split(prefix);
            if (segments.length == 1 && segments[0].isEmpty()) {
                throw new IllegalArgumentException("mount an app under a prefix, not at /");
            }
            Node node = root;
            for (String segment : segments) {
                if (segment.isEmpty() || segment.indexOf('{') >= 0 || segment.equals("*")) {
                    throw new IllegalArgumentException("a mount prefix is literal segments: " + prefix);
                }
                node = node.literals.computeIfAbsent(segment, key -> new Node());
            }
            if (node.mount != null) {
                throw new IllegalStateException("an app is already mounted at " + prefix);
            }
            node.mount = new Mount(app, segments.length);
            return this;
        }

        /** Returns the router; the builder cannot be used afterwards. */
        public Router build() {
            checkOpen();
            built = true;
            return new Router(root);
        }

        private void checkOpen() {
            if (built) {
                throw new IllegalStateException("this router is already built");
            }
        }

        private static String[] split(String pattern) {
            if (pattern == null || !pattern.startsWith("/")) {
                throw new IllegalArgumentException("a pattern starts with '/': " + pattern);
            }
            return pattern.substring(1).split("/", -1);
        }

        private static String name(String name, String pattern, Set<String> seen) {
            if (name.isEmpty() || !seen.add(name)) {
                throw new IllegalArgumentException("parameter names must be present and unique: " + pattern);
            }
            return name;
        }

        private static void put(Map<Method, Route> routes, Method method, Route route, String pattern) {
            if (routes.putIfAbsent(method, route) != null) {
                throw new IllegalStateException(method + " " + pattern + " is already routed");
            }
        }

        private static String[] toArray(List<String> names) {
            return names.toArray(new String[0]);
        }

        private static int[] toInts(List<Integer> positions) {
            return positions.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
