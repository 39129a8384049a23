package dev.ferry.netty.internal;

import dev.ferry.Response;

/** What the head check passes down the pipeline instead of a request it refuses: the response to answer with. */
record Malformed(Response response) {
}
