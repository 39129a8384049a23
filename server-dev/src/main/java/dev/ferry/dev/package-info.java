/**
 * The development server: {@link dev.ferry.dev.DevServerProvider} (chosen as {@code dev}) and
 * {@link dev.ferry.dev.Reload} for serving an app that reloads when its compiled classes change.
 */
package dev.ferry.dev;
