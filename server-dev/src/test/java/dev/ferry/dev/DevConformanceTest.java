package dev.ferry.dev;

import dev.ferry.testkit.ConformanceSuite;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the conformance suite against the dev server. Its known gaps are listed with their reasons:
 * this list is why production needs a production server. A listed test that starts passing fails the
 * build, so the list stays true.
 */
class DevConformanceTest extends ConformanceSuite {

    private static final String CHUNKS = "the JDK server's chunked decoder throws a plain IOException into the handler, "
            + "so malformed chunked framing becomes 500 instead of 400 and close";

    @Override
    protected Map<String, String> knownGaps() {
        Map<String, String> gaps = new TreeMap<>();
        gaps.put("Semantics.handlerExceptionIsAGeneric500",
                "by design: the dev server answers a handler exception with its debug page");
        gaps.put("Errors.a500HasNoDetails",
                "by design: the dev server answers a handler exception with its debug page, through the app's filters");
        gaps.put("Semantics.chunkedRequestBodyWithTrailer",
                "the JDK server's chunked decoder rejects trailer fields: the handler fails reading the body (500)");
        gaps.put("Semantics.statusCodesWithReasonPhrases[5]",
                "the JDK server writes reason phrases from its own table, which says 302 Temporary Redirect");
        gaps.put("Semantics.newerReasonPhrasesFollowRfc9110[1]",
                "the JDK server writes reason phrases from its own RFC 2616 table: 413 Request Entity Too Large");
        gaps.put("Semantics.responseHeaderNamesKeepTheAppsSpelling",
                "the JDK server re-cases every response header name: first letter upper case, the rest lower case");
        gaps.put("Semantics.interimContinueHasNoLengthOrFraming",
                "the JDK server sends its own 100 Continue, with a Content-Length, before the app sees the request");
        gaps.put("Semantics.expectContinueIsNotSentWhenTheHandlerAnswersWithoutTheBody",
                "the JDK server sends 100 Continue before the app sees the request, whether the app reads the body or not");
        String wholeRequest = "the JDK server bounds a whole request, body included, by one deadline (its maxReqTime, set "
                + "from the request header timeout) and closes the connection without a response";
        gaps.put("Hardening.stalledBodyIs408AtTheBodyTimeoutWhileOthersAreServed", wholeRequest);
        gaps.put("Hardening.drippingBodyIs408OnceItFallsBelowTheMinimumRate", wholeRequest);
        gaps.put("Multipart.aClientThatStallsMidwayIsCutAndLeavesNoTemporaryFile", wholeRequest);
        gaps.put("Hardening.badChunkSizeIs400", CHUNKS);
        gaps.put("Errors.aMalformedBodyReadByAParserIs400AndPassesTheFilters", CHUNKS);
        gaps.put("Hardening.chunkLinesOutsideTheGrammarAre400", CHUNKS);
        gaps.put("Hardening.chunkSizesOverEightHexDigitsAre400",
                "the JDK server's chunked decoder takes a chunk size of any number of hex digits");
        gaps.put("Hardening.chunkExtensionsAreLimitedInTotal", "the JDK server's chunked decoder skips chunk extensions "
                + "without limiting their total size");
        gaps.put("Hardening.transferEncodingPaddedPastSixtyFourCharactersIs400",
                "the JDK server answers 501 to a transfer coding list, where the contract says 400");
        gaps.put("Hardening.aBodyTheClientEndsEarlyIs400", "the JDK server's body stream fails with a plain IOException "
                + "when the client ends its side inside the body, which the app sees as any other failure (500)");
        gaps.put("Hardening.optionsAsteriskIsAnsweredByTheServer",
                "the JDK server answers a target that matches no context ('*') with its own 404");
        gaps.put("Hardening.requestsTheServersWouldReadDifferentlyGetOneAnswer[2]",
                "the JDK server closes a CONNECT request's connection without an answer");
        gaps.put("Hardening.asteriskTargetIsForOptionsOnly",
                "the JDK server answers a target that matches no context ('*') with its own 404 before the app sees it");
        gaps.put("Hardening.negativeChunkSizeIs400", CHUNKS);
        gaps.put("Hardening.chunkLongerThanItsSizeIs400", CHUNKS);
        gaps.put("Hardening.oversizedChunkExtensionIs400", CHUNKS);
        gaps.put("Hardening.oversizedTrailersAre400", CHUNKS);
        gaps.put("Hardening.overflowingChunkSizeIs400",
                "the JDK server closes the connection on an overflowing chunk size without answering 400");
        gaps.put("Hardening.bareLfLineEndingsAre400", "the JDK server accepts bare LF as a line ending (request smuggling risk)");
        gaps.put("Hardening.bareLfInsideHeadersIs400", "the JDK server accepts bare LF as a line ending (request smuggling risk)");
        gaps.put("Hardening.obsFoldIs400", "the JDK server unfolds obsolete line folding instead of rejecting it");
        gaps.put("Hardening.targetWithoutSlashIs400", "the JDK server accepts a request target without a leading slash");
        gaps.put("Hardening.chunkedNotLastIs400",
                "the JDK server answers 501 to transfer codings other than chunked, where the contract says 400");
        gaps.put("Hardening.unknownTransferCodingIs400",
                "the JDK server answers 501 to transfer codings other than chunked, where the contract says 400");
        gaps.put("Hardening.nonNumericContentLengthIs400",
                "the JDK server's own 400 page names the Java exception (NumberFormatException)");
        gaps.put("Hardening.contentLengthListIs400",
                "the JDK server's own 400 page names the Java exception (NumberFormatException)");
        gaps.put("Hardening.expectContinueOverLimitIs413Without100",
                "the JDK server sends 100 Continue before the app sees the request, inviting a body it will refuse");
        gaps.put("Semantics.aClosingAnswerArrivesWholeThoughTheClientSentMore", "the JDK server closes the connection "
                + "with the client's further requests unread, so the kernel resets it and drops the end of the answer");
        gaps.put("Hardening.maxConnectionsKeepsExistingOnesWorking",
                "the JDK server reads jdk.httpserver.maxConnections once per JVM, so a second server's limit is ignored");
        return gaps;
    }
}
