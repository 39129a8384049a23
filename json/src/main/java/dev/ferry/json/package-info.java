/**
 * JSON bodies: {@link dev.ferry.json.Json} reads a request body as a Java value and answers with a
 * value as {@code application/json}, mapping what goes wrong to 400, 413 and 415.
 */
package dev.ferry.json;
