package dev.ferry.dev.internal;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Decides whether and how the dev server reloads the app. {@code ferry.reload} ({@code FERRY_RELOAD})
 * names the factory ({@code com.example.App::app}) or turns reload off ({@code off}); when it is not
 * set, the factory is the class that called {@code Ferry.serve}, by its one public static method
 * without parameters that returns a Handler. {@code ferry.reload.classes} ({@code FERRY_RELOAD_CLASSES})
 * lists the class directories (path-separator separated); by default it is the class-path directory
 * that holds the factory class. Classes from a jar are never reloaded.
 *
 * @param factory the factory, or null when reload is off
 * @param directories the class directories to watch and load from
 * @param note one line for the banner: what is reloaded, or why nothing is
 */
public record ReloadPlan(String factory, List<Path> directories, String note) {

    /** Returns whether the app reloads. */
    public boolean enabled() {
        return factory != null;
    }

    /** Decides from these settings and the class that called {@code Ferry.serve} (null if none did). */
    public static ReloadPlan decide(Map<String, String> environment, Properties properties, Class<?> caller,
                                    ClassLoader loader) {
        String setting = setting(environment, properties, "reload", "FERRY_RELOAD");
        if (setting != null && List.of("off", "false", "no", "0").contains(setting.toLowerCase(Locale.ROOT))) {
            return off("off (ferry.reload=" + setting + ")");
        }
        String factory;
        Class<?> type;
        if (setting != null && !List.of("on", "true", "yes", "1").contains(setting.toLowerCase(Locale.ROOT))) {
            factory = setting;
            int split = setting.indexOf("::");
            try {
                type = Class.forName(split < 0 ? setting : setting.substring(0, split), false, loader);
            } catch (ClassNotFoundException e) {
                return off("off (ferry.reload names " + setting + ", which is not on the class path)");
            }
        } else if (caller != null) {
            try {
                ReloadingHandler.factoryMethod(caller, null);
            } catch (NoSuchMethodException e) {
                return off("off (" + e.getMessage() + "; set ferry.reload=Class::method)");
            }
            type = caller;
            factory = caller.getName();
        } else {
            return off("off (not started by Ferry.serve; set ferry.reload=Class::method to reload)");
        }
        String listed = setting(environment, properties, "reload.classes", "FERRY_RELOAD_CLASSES");
        List<Path> directories = new ArrayList<>();
        if (listed != null) {
            for (String entry : listed.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    directories.add(Path.of(entry.trim()).toAbsolutePath());
                }
            }
        } else {
            Path home = home(type);
            if (home == null || !Files.isDirectory(home)) {
                return off("off (" + type.getName() + " comes from " + (home == null ? "an unknown place" : home)
                        + ", not a class directory)");
            }
            directories.add(home);
        }
        return new ReloadPlan(factory, List.copyOf(directories), "on: " + factory + " from " + directories
                + " runs anew after its classes change");
    }

    private static ReloadPlan off(String note) {
        return new ReloadPlan(null, List.of(), note);
    }

    private static String setting(Map<String, String> environment, Properties properties, String key, String variable) {
        String value = properties.getProperty("ferry." + key);
        if (value == null) {
            value = environment.get(variable);
        }
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** Returns where a class was loaded from: its class directory or jar. */
    static Path home(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        URL location = source == null ? null : source.getLocation();
        if (location == null || !location.getProtocol().equals("file")) {
            return null;
        }
        try {
            return Path.of(location.toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
