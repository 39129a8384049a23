package dev.ferry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AttributeTest {

    record User(String name) {
    }

    static final Attribute<User> USER = Attribute.named("user", User.class);

    @Test
    void aFilterPassesATypedValueToTheHandler() throws Exception {
        Filter authenticate = next -> request -> next.handle(request.with(USER, new User("ada")));
        Handler app = authenticate.then((Handler) request ->
                Response.text(request.attribute(USER).map(User::name).orElse("nobody")));
        assertEquals("ada", TestClient.of(app).get("/").body().text());
    }

    @Test
    void withReturnsACopyAndLeavesTheRequestAsItWas() {
        Request plain = Request.get("/a");
        Request first = plain.with(USER, new User("ada"));
        Request second = first.with(USER, new User("bob"));
        assertEquals(Optional.empty(), plain.attribute(USER));
        assertEquals(Optional.of(new User("ada")), first.attribute(USER));
        assertEquals(Optional.of(new User("bob")), second.attribute(USER));
        // copies made for other reasons keep the attributes
        assertEquals(Optional.of(new User("ada")), first.withHeader("X", "1").withMethod(Method.POST).attribute(USER));
    }

    @Test
    void keysAreComparedByIdentity() {
        Attribute<User> other = Attribute.named("user", User.class);
        Attribute<String> role = Attribute.named("role", String.class);
        Request request = Request.get("/").with(USER, new User("ada")).with(role, "admin");
        assertEquals(Optional.empty(), request.attribute(other));
        assertEquals(Optional.of("admin"), request.attribute(role));
        assertEquals("user", USER.name());
        assertEquals(User.class, USER.type());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void aValueOfTheWrongTypeOrNullIsRefused() {
        Attribute raw = USER;
        assertThrows(ClassCastException.class, () -> Request.get("/").with(raw, "not a user"));
        assertThrows(NullPointerException.class, () -> Request.get("/").with(USER, null));
    }

    @Test
    void mountedAppsSeeTheAttributes() throws Exception {
        Handler admin = dev.ferry.routing.Router.builder()
                .get("/who", request -> Response.text(request.attribute(USER).orElseThrow().name())).build();
        Handler app = ((Filter) next -> request -> next.handle(request.with(USER, new User("ada"))))
                .then(dev.ferry.routing.Router.builder().mount("/admin", admin).build());
        assertEquals("ada", TestClient.of(app).get("/admin/who").body().text());
    }
}
