/**
 * JSON request and response bodies for Ferry apps, on Jackson 3: {@link dev.ferry.json.Json}.
 */
module dev.ferry.json {
    requires transitive dev.ferry.core;
    requires transitive tools.jackson.databind;

    exports dev.ferry.json;
}
