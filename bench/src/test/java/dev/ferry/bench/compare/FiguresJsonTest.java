package dev.ferry.bench.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class FiguresJsonTest {

    @Test
    void everyFigureSurvivesARoundTrip() throws Exception {
        ObjectMapper mapper = Compare.mapper();
        Figures.Run run = Samples.run();
        String json = mapper.writeValueAsString(run);
        assertEquals(run, mapper.readValue(json, Figures.Run.class));
        assertTrue(json.contains("\"p999Millis\""), json);
        assertTrue(json.contains("\"slowloris\""), json);
        assertTrue(!json.contains("failureShare") && !json.contains("\"total\""), "derived values are not stored: " + json);
    }

    @Test
    void missingMetricsAreNullAndUnknownFieldsAreIgnored() throws Exception {
        ObjectMapper mapper = Compare.mapper();
        Figures.Target bare = new Figures.Target("dev", "dev", "virtual", false, null, null, null, null, null, null, null,
                null, null, 0, List.of("wrk is missing"));
        String json = mapper.writeValueAsString(bare).replace("{", "{\"addedLater\":1,");
        assertEquals(bare, mapper.readValue(json, Figures.Target.class));
    }

    @Test
    void aRatioFromBeforeProtocolsReadsAsHttp1() throws Exception {
        String old = "{\"raw\":\"raw-netty\",\"ferry\":\"netty-io\",\"path\":\"/json\",\"throughputRatios\":[0.9],"
                + "\"median\":0.9,\"min\":0.9,\"max\":0.9,\"p99RatioMedian\":1.1,\"rawRequestsPerSecond\":100.0,"
                + "\"ferryRequestsPerSecond\":90.0}";
        Figures.Ratio ratio = Compare.mapper().readValue(old, Figures.Ratio.class);
        assertEquals("h1", ratio.protocolLabel());
        assertEquals("h2", new Figures.Ratio("raw-netty", "netty", "/plaintext", List.of(1.0), 1, 1, 1, 1, 1, 1, "h2").protocolLabel());
    }
}
