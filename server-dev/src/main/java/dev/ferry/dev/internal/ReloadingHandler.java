package dev.ferry.dev.internal;

import dev.ferry.Handler;
import dev.ferry.Request;
import dev.ferry.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Serves the app made by a factory method and, after the app's class files change, makes it again
 * from a fresh {@link AppClassLoader} before the next request runs. When the new classes fail to
 * load, or the factory fails, every request throws {@link ReloadFailedException} (shown on the
 * debug page) until the next change fixes it; the server keeps running.
 */
public final class ReloadingHandler implements Handler, AutoCloseable {

    private static final System.Logger LOG = System.getLogger("dev.ferry.dev");
    private static final Duration QUIET = Duration.ofMillis(20);
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private final String className;
    private final String methodName;
    private final List<Path> directories;
    private final ClassLoader parent;
    private final ClassWatcher watcher;
    private volatile Handler current;
    private volatile Throwable failure;
    private volatile long reloads;

    private ReloadingHandler(String className, String methodName, List<Path> directories, ClassLoader parent)
            throws IOException {
        this.className = className;
        this.methodName = methodName;
        this.directories = List.copyOf(directories);
        this.parent = parent;
        this.watcher = new ClassWatcher(this.directories);
    }

    /**
     * Returns a handler serving {@code initial} until the classes change, then what the factory
     * makes from fresh classes. With no initial handler the factory runs now.
     *
     * @param factory {@code com.example.App::app} or {@code com.example.App}: a public static method
     *     without parameters that returns a {@link Handler} (found by its return type when not named)
     * @throws UncheckedIOException when the directories cannot be watched
     */
    public static ReloadingHandler create(String factory, List<Path> directories, ClassLoader parent, Handler initial) {
        int split = factory.indexOf("::");
        String type = split < 0 ? factory : factory.substring(0, split);
        String method = split < 0 ? null : factory.substring(split + 2);
        ReloadingHandler handler;
        try {
            handler = new ReloadingHandler(type.trim(), method == null ? null : method.trim(), directories, parent);
        } catch (IOException e) {
            throw new UncheckedIOException("reload: cannot watch " + directories, e);
        }
        if (initial != null) {
            handler.current = initial;
        } else {
            handler.load();
        }
        return handler;
    }

    @Override
    public Response handle(Request request) throws Exception {
        if (watcher.changed()) {
            reload();
        }
        Throwable failed = failure;
        if (failed != null) {
            throw new ReloadFailedException("Reloading " + factory() + " from " + directories + " failed; fix the code "
                    + "and build again, the next request reloads it", failed);
        }
        return current.handle(request);
    }

    private synchronized void reload() throws InterruptedException {
        if (!watcher.changed()) {
            return; // another request reloaded already
        }
        watcher.awaitQuiet(QUIET, MAX_WAIT);
        watcher.take();
        load();
    }

    private void load() {
        long start = System.nanoTime();
        try {
            ClassLoader loader = new AppClassLoader(directories, parent);
            Class<?> type = Class.forName(className, true, loader);
            Method factory = factoryMethod(type, methodName);
            Object made = factory.invoke(null);
            if (!(made instanceof Handler handler)) {
                throw new IllegalStateException(factory() + " returned " + made + ", not a Handler");
            }
            current = handler;
            failure = null;
            reloads++;
            long micros = (System.nanoTime() - start) / 1000;
            LOG.log(System.Logger.Level.INFO, () -> "reloaded " + factory() + " in " + micros / 1000 + "." + micros % 1000 / 100 + " ms");
        } catch (InvocationTargetException e) {
            failure = e.getCause();
        } catch (Throwable e) {
            failure = e;
        }
    }

    /** Returns the public static, parameterless method of the type that returns a Handler. */
    static Method factoryMethod(Class<?> type, String name) throws NoSuchMethodException {
        if (name != null) {
            Method method = type.getMethod(name);
            if (!Modifier.isStatic(method.getModifiers()) || !Handler.class.isAssignableFrom(method.getReturnType())) {
                throw new NoSuchMethodException(type.getName() + "::" + name + " is not a static method returning a Handler");
            }
            return method;
        }
        Method found = null;
        for (Method method : type.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 0
                    && Handler.class.isAssignableFrom(method.getReturnType())) {
                if (found != null) {
                    throw new NoSuchMethodException(type.getName() + " has several static methods returning a Handler; "
                            + "name one as " + type.getName() + "::method");
                }
                found = method;
            }
        }
        if (found == null) {
            throw new NoSuchMethodException(type.getName() + " has no public static method without parameters returning a Handler");
        }
        return found;
    }

    /** Returns the factory as {@code Class::method}. */
    public String factory() {
        return className + (methodName == null ? "" : "::" + methodName);
    }

    /** Returns the watched class directories. */
    public List<Path> directories() {
        return directories;
    }

    /** Returns how many times fresh classes were loaded successfully. */
    public long reloads() {
        return reloads;
    }

    /** Stops watching. */
    @Override
    public void close() {
        watcher.close();
    }

    /** The app's changed classes could not be loaded, or its factory failed on them. */
    public static final class ReloadFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ReloadFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
