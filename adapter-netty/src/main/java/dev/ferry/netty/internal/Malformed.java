package dev.ferry.netty.internal;

import dev.ferry.Status;

/** What the head check passes down the pipeline instead of a request it refuses: the status to answer with. */
record Malformed(Status status, String why) {
}
