package dev.ferry.bench;

import dev.ferry.Handler;
import dev.ferry.Request;
import dev.ferry.Response;
import dev.ferry.routing.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route lookup among N routes, a third each literal, parameter and tail: the cost of finding the
 * handler (and binding parameters) for a request that is already parsed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class RouterBenchmark {

    private static final Response OK = Response.ok();

    @Param({"100", "1000"})
    public int routes;

    private Router router;
    private Request[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Handler handler = request -> OK;
        Router.Builder builder = Router.builder();
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            switch (i % 3) {
                case 0 -> {
                    builder.get("/api/v1/resource" + i + "/list", handler);
                    targets.add("/api/v1/resource" + i + "/list");
                }
                case 1 -> {
                    builder.get("/api/v1/resource" + i + "/{id}/detail/{field}", handler);
                    targets.add("/api/v1/resource" + i + "/42/detail/name");
                }
                default -> {
                    builder.get("/static" + i + "/{path...}", handler);
                    targets.add("/static" + i + "/css/site/main.css");
                }
            }
        }
        router = builder.build();
        Random random = new Random(7);
        requests = new Request[1024];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = Request.get(targets.get(random.nextInt(targets.size())));
        }
    }

    @Benchmark
    public Response lookup() throws Exception {
        Request request = requests[next++ & 1023];
        return router.handle(request);
    }
}
