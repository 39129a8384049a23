package dev.ferry.dev.internal;

import dev.ferry.server.Server;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.Properties;

/** What the dev server says when it starts: what it is, what it is not, and how to get a production server. */
public final class Banner {

    private Banner() {
    }

    /** Returns Ferry's version, as built. */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Banner.class.getResourceAsStream("ferry.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // the version is only shown
        }
        String version = properties.getProperty("version", "");
        return version.isEmpty() || version.startsWith("$") ? "0.1.0-SNAPSHOT" : version;
    }

    /** Returns the banner for a started server. */
    public static String text(Server server, boolean hostChosen, String reloadNote) {
        String version = version();
        StringBuilder out = new StringBuilder(1024);
        out.append("Ferry dev server: for development only, NOT for production.\n")
                .append("  It runs on the JDK's built-in HTTP server, which does not bound slow clients as the production\n")
                .append("  servers do. To serve production traffic add one dependency and restart:\n");
        for (String[] adapter : new String[][] {{"Undertow", "undertow"}, {"Netty", "netty"}, {"Tomcat", "tomcat"}}) {
            out.append("    ").append(adapter[0]).append(":\n")
                    .append("      <dependency>\n")
                    .append("        <groupId>dev.ferry</groupId>\n")
                    .append("        <artifactId>ferry-adapter-").append(adapter[1]).append("</artifactId>\n")
                    .append("        <version>").append(version).append("</version>\n")
                    .append("      </dependency>\n");
        }
        out.append("  Reload: ").append(reloadNote).append('\n');
        if (hostChosen && !loopback(server.host())) {
            out.append("WARNING: ferry.host makes the dev server listen on ").append(server.host())
                    .append(", reachable from other machines. It shows stack traces and request headers to anyone who\n")
                    .append("  triggers an error, and it is not hardened; keep it on 127.0.0.1 unless you must.\n");
        }
        return out.toString();
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }
}
