package dev.ferry.dev;

import dev.ferry.Handler;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.dev.internal.ReloadingHandler;
import java.nio.file.Path;
import java.util.List;

/**
 * A handler that is made again from fresh classes after the app's compiled classes change, without
 * restarting the JVM. {@code Ferry.serve} on the dev server sets this up by itself for the class that
 * calls it (see {@link DevServerProvider}); use this class to set it up by hand. Close it to stop
 * watching.
 */
public final class Reload implements Handler, AutoCloseable {

    private final ReloadingHandler handler;

    private Reload(ReloadingHandler handler) {
        this.handler = handler;
    }

    /**
     * Returns a handler that serves what {@code factory} makes and makes it again, from a fresh
     * class loader over {@code classDirectories}, before the first request after a change. When the
     * changed classes fail to load, requests fail (the dev server shows why) until the next change.
     *
     * @param factory a public static method without parameters returning a Handler, as
     *     {@code com.example.App::app}, or a class that has exactly one such method
     * @param classDirectories the app's compiled classes, such as {@code target/classes}
     */
    public static Reload of(String factory, List<Path> classDirectories) {
        ClassLoader parent = Thread.currentThread().getContextClassLoader();
        return new Reload(ReloadingHandler.create(factory, classDirectories,
                parent == null ? Reload.class.getClassLoader() : parent, null));
    }

    @Override
    public Response handle(Request request) throws Exception {
        return handler.handle(request);
    }

    /** Returns how many times the app was made again from changed classes. */
    public long reloads() {
        return handler.reloads();
    }

    /** Stops watching the class directories. */
    @Override
    public void close() {
        handler.close();
    }
}
