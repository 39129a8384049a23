package dev.ferry.testkit.fuzz;

import java.util.Arrays;
import java.util.List;

/**
 * A difference between production servers that is known, with its reason: a fuzz difference whose
 * minimal case carries every mutation of {@code kind} and on which {@code server} alone answers
 * differently is reported under this gap instead of failing the run. The witness request is sent in
 * every run; when it no longer sets {@code server} apart, the gap is stale and the run fails, so the
 * list never outlives the difference.
 *
 * @param server the server that answers differently from the others
 * @param kind mutation tags joined with {@code " + "}, as a {@link FuzzCase#kind()}; a family such as
 *     {@code chunk} stands for every {@code chunk.*} tag
 * @param reason why the server answers differently
 * @param witness a request, one char per octet, on which the difference shows
 */
public record KnownGap(String server, String kind, String reason, String witness) {

    /** Returns whether this gap explains the difference. */
    public boolean covers(FuzzReport.Difference difference) {
        return apart(difference.groups()) && covers(difference.kind());
    }

    boolean apart(List<List<String>> groups) {
        return groups.size() == 2 && groups.stream().anyMatch(group -> group.equals(List.of(server)));
    }

    private boolean covers(String caseKind) {
        List<String> tags = Arrays.asList(caseKind.split(" \\+ "));
        for (String part : kind.split(" \\+ ")) {
            if (tags.stream().noneMatch(tag -> tag.equals(part) || tag.startsWith(part + "."))) {
                return false;
            }
        }
        return true;
    }
}
