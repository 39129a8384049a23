package dev.ferry;

import java.util.Objects;

/**
 * A typed key for a value that a filter attaches to a request for the handlers after it, such as the
 * authenticated user: {@code request.with(USER, user)} returns a copy holding it and
 * {@code request.attribute(USER)} reads it back. Keys compare by identity, so two keys with the same
 * name never see each other's values; keep each one in a constant.
 *
 * <pre>{@code
 * static final Attribute<User> USER = Attribute.named("user", User.class);
 * }</pre>
 *
 * @param <T> the type of the value
 */
public final class Attribute<T> {

    private final String name;
    private final Class<T> type;

    private Attribute(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** Returns a new key with this name, shown in messages only, for values of this type. */
    public static <T> Attribute<T> named(String name, Class<T> type) {
        return new Attribute<>(name, type);
    }

    /** Returns the name given to the key. */
    public String name() {
        return name;
    }

    /** Returns the type of the key's values. */
    public Class<T> type() {
        return type;
    }

    @Override
    public String toString() {
        return "Attribute[" + name + ": " + type.getName() + "]";
    }
}
