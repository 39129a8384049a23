package dev.ferry.examples.json;

import dev.ferry.Handler;
import dev.ferry.HttpException;
import dev.ferry.Response;
import dev.ferry.Status;
import dev.ferry.json.Json;
import dev.ferry.routing.Router;
import dev.ferry.server.Ferry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.core.type.TypeReference;

/** The JSON example: a small in-memory pet store that reads and answers JSON with {@code ferry-json}. */
public final class PetsApp {

    /** A pet as clients send it. */
    public record Pet(String name, int age) {
        /** Rejects a pet without a name with 422, which the client sees as it is. */
        public Pet {
            if (name == null || name.isBlank()) {
                throw new HttpException(Status.UNPROCESSABLE_CONTENT, "Unprocessable Content: a pet needs a name");
            }
        }
    }

    /** A stored pet with its id. */
    public record Stored(int id, String name, int age) {
    }

    private PetsApp() {
    }

    /** Returns the app's routes, on a store of its own. */
    public static Handler app() {
        Json json = Json.create();
        Map<Integer, Stored> pets = new ConcurrentHashMap<>();
        AtomicInteger ids = new AtomicInteger();
        return Router.builder()
                .get("/pets", request -> json.response(pets.values().stream()
                        .sorted(java.util.Comparator.comparingInt(Stored::id)).toList()))
                .post("/pets", request -> {
                    Pet pet = json.read(request, Pet.class);
                    Stored stored = new Stored(ids.incrementAndGet(), pet.name(), pet.age());
                    pets.put(stored.id(), stored);
                    return json.response(Status.CREATED, stored).withHeader("Location", "/pets/" + stored.id());
                })
                .post("/pets/batch", request -> {
                    List<Pet> batch = json.read(request, new TypeReference<List<Pet>>() { });
                    return json.response(Map.of("received", batch.size()));
                })
                .get("/pets/{id}", request -> {
                    Stored pet = pets.get(id(request.pathParam("id")));
                    if (pet == null) {
                        throw new HttpException(Status.NOT_FOUND, "Not Found: no such pet");
                    }
                    return json.response(pet);
                })
                .build();
    }

    private static int id(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new HttpException(Status.NOT_FOUND, "Not Found: no such pet");
        }
    }

    /** Serves the JSON example. */
    public static void main(String[] args) {
        Ferry.serve("pets", app());
    }
}
