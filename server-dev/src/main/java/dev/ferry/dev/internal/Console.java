package dev.ferry.dev.internal;

import java.io.PrintStream;

/**
 * Where the dev server talks to the developer: its banner and request log. Colour is used only
 * when the output is a terminal.
 *
 * @param out where lines go
 * @param colour whether ANSI colour codes may be written
 */
public record Console(PrintStream out, boolean colour) {

    /** Returns the console of this process: standard output, coloured when it is a terminal. */
    public static Console system() {
        return new Console(System.out, isTerminal());
    }

    /**
     * Returns whether standard output is a terminal. On JDK 22 and later {@link System#console()}
     * returns a console even when output is redirected, so its {@code isTerminal()} decides.
     */
    static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console exists only on a terminal
        }
    }

    /** Wraps the text in an ANSI colour code when colour is on. */
    String paint(String ansi, String text) {
        return colour ? "\u001b[" + ansi + "m" + text + "\u001b[0m" : text;
    }
}
