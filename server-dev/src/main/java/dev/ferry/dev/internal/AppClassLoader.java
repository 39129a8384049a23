package dev.ferry.dev.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * A fresh class loader for the app's own classes: a class whose file is in one of the app's class
 * directories is defined here, anew, instead of by the parent; everything else (the JDK, Ferry, the
 * app's libraries) comes from the parent so that the app's handlers still implement the same
 * {@link dev.ferry.Handler}.
 */
final class AppClassLoader extends URLClassLoader {

    static {
        registerAsParallelCapable();
    }

    AppClassLoader(List<Path> classDirectories, ClassLoader parent) {
        super("ferry-dev-reload", urls(classDirectories), parent);
    }

    private static URL[] urls(List<Path> directories) {
        URL[] urls = new URL[directories.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = directories.get(i).toUri().toURL();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return urls;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (shared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> type = findLoadedClass(name);
            if (type == null) {
                if (findResource(name.replace('.', '/') + ".class") == null) {
                    return super.loadClass(name, resolve);
                }
                type = findClass(name);
            }
            if (resolve) {
                resolveClass(type);
            }
            return type;
        }
    }

    @Override
    public URL getResource(String name) {
        URL own = findResource(name);
        return own != null ? own : super.getResource(name);
    }

    /** The JDK's and Ferry's own types always come from the parent, even if a class directory holds a copy. */
    static boolean shared(String name) {
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.") || name.startsWith("sun.")) {
            return true;
        }
        int dot = name.lastIndexOf('.');
        String pkg = dot < 0 ? "" : name.substring(0, dot);
        return switch (pkg) {
            case "dev.ferry", "dev.ferry.routing", "dev.ferry.server", "dev.ferry.spi", "dev.ferry.internal" -> true;
            default -> pkg.equals("dev.ferry.dev") || pkg.startsWith("dev.ferry.dev.");
        };
    }
}
