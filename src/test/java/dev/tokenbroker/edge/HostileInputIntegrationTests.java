package dev.tokenbroker.edge;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import dev.tokenbroker.testing.TestSockets;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A corpus of hostile requests, sent over raw sockets to the running broker (issue 11, items 8 to 11): control
 * characters, CR/LF, ANSI escapes and their percent-encoded forms in a JWT's {@code kid}, {@code iss} and
 * {@code sub} and in the path; bodies that cannot be decoded (a bad chunk size) or that stop short of their
 * {@code Content-Length} on every token endpoint; a client key and a JWT pasted into the path; non-JSON bodies on
 * JSON endpoints; a ten-year JWT; HTTP/1.1 without {@code Host}. With the broker's own loggers at DEBUG, the captured
 * log must hold no forged line, no ERROR, no stack trace, and every AUDIT line must carry the status the client
 * actually received (or none, as {@code aborted}, when it received nothing).
 */
@ExtendWith(OutputCaptureExtension.class)
class HostileInputIntegrationTests extends BrokerIntegrationTest {

    private static final String MARK = "FAKELOG-INJECTED";
    private static final String FORGED = "\n" + MARK + " outcome=issued caller=client:ops\r\n" + MARK
            + " cr\u001b[2K\u001b[1G" + MARK + " ansi\u0085" + MARK + " nel\u2028" + MARK + " ls";
    private static final String IAM_TOKEN = "/v1/credentials/wml-prod/iam-token";
    private static final String FACADE = "/iam/wml-prod/identity/token";
    private static final String EXCHANGE = "/oauth2/token";
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final JsonMapper JSON_MAPPER = JsonMapper.builder().build();

    @Autowired
    private LoggingSystem logging;

    private final Map<String, Sent> sent = new LinkedHashMap<>();

    @AfterEach
    void quietAgain() {
        logging.setLogLevel("dev.tokenbroker", null);
        // Past the cluster issuer's re-fetch interval again, so that later tests' unknown kids are looked up.
        CLOCK.advance(Duration.ofMinutes(1));
    }

    @Test
    void hostileCorpusWhenSentThenNoForgedLineNoErrorNoStackTraceAndAuditSaysWhatTheClientGot(CapturedOutput output) {
        logging.setLogLevel("dev.tokenbroker", LogLevel.DEBUG);
        CLOCK.advance(Duration.ofMinutes(1));
        String tenYears = TestJwts.serviceAccount("ml", "scorer")
                .issued(Duration.ZERO, Duration.ofDays(3650))
                .sign();
        String hostileKid =
                TestJwts.serviceAccount("ml", "scorer").keyId("kid" + FORGED).sign();
        String encodedKid = TestJwts.serviceAccount("ml", "scorer")
                .keyId("kid%0a" + MARK + "%0d")
                .sign();
        String hostileIss = TestJwts.serviceAccount("ml", "scorer")
                .issuer(TestJwts.ISSUER + FORGED)
                .sign();
        String hostileSub = TestJwts.serviceAccount("ml", "scorer")
                .subject("system:serviceaccount:ml:scorer" + FORGED)
                .sign();
        String jwtInPath = TestJwts.serviceAccount("ml", "scorer").sign();

        request("kid-encoded", post(IAM_TOKEN, bearer(encodedKid), ""), true);
        // Past the issuer's minimum re-fetch interval, so that this unknown kid is looked up (and logged) too.
        CLOCK.advance(Duration.ofSeconds(31));
        request("kid", post(IAM_TOKEN, bearer(hostileKid), ""), true);
        request("iss", post(IAM_TOKEN, bearer(hostileIss), ""), true);
        request("sub", post(IAM_TOKEN, bearer(hostileSub), ""), true);
        request("ten-year-jwt", post(IAM_TOKEN, bearer(tenYears), ""), true);
        request("bearer-ansi", post(IAM_TOKEN, "Authorization: Bearer \u001b[2K" + MARK + "\r\n", ""), false);
        request(
                "path-encoded-crlf",
                post("/v1/credentials/wml%0d%0a" + MARK + "%1b%5b2K/iam-token", bearer(SCORER_KEY), ""),
                true);
        request(
                "path-raw-esc",
                post("/v1/credentials/w\u001b[2K" + MARK + "/iam-token", bearer(SCORER_KEY), ""),
                false);
        request("path-key", post("/v1/credentials/" + SCORER_KEY + "/iam-token", bearer(SCORER_KEY), ""), true);
        request("path-jwt", post("/v1/credentials/" + jwtInPath + "/iam-token", bearer(SCORER_KEY), ""), true);
        request("header-ansi", post(IAM_TOKEN, "X-Forwarded-For: \u001b[31m" + MARK + "\r\n", ""), false);
        request("text-plain", json(IAM_TOKEN, "text/plain", "{\"min_valid_seconds\":300}"), true);
        request("garbage-type", json(IAM_TOKEN, ";;garbage//" + MARK + "; =", "{}"), true);
        request("ansi-type", json(IAM_TOKEN, "application/json\u001b[31m" + MARK, "{}"), false);
        request(
                "no-host",
                "POST " + IAM_TOKEN + " HTTP/1.1\r\nConnection: close\r\n" + bearer(SCORER_KEY)
                        + "X-Request-Id: no-host\r\n" + "Content-Length: 0\r\n\r\n",
                true);
        for (String path : List.of(IAM_TOKEN, FACADE, EXCHANGE)) {
            String kind = path.equals(IAM_TOKEN) ? "v1" : path.equals(FACADE) ? "facade" : "exchange";
            String type = path.equals(IAM_TOKEN) ? "application/json" : "application/x-www-form-urlencoded";
            request(
                    "bad-chunk-" + kind,
                    head(path, bearer(SCORER_KEY) + "Content-Type: " + type + "\r\nTransfer-Encoding: chunked\r\n")
                            + "zz" + MARK + "\r\n" + "grant_type=x\r\n0\r\n\r\n",
                    true);
            hangUp(
                    "short-body-" + kind,
                    head(path, bearer(SCORER_KEY) + "Content-Type: " + type + "\r\nContent-Length: 100\r\n")
                            + "grant_type");
        }

        // An aborted request is audited when the broker sees the connection close, which may be after the client has.
        await().atMost(BOUND)
                .until(() -> sent.entrySet().stream()
                        .filter(entry -> entry.getValue().audited())
                        .allMatch(entry -> output.getAll().contains("\"request_id\":\"" + entry.getKey() + "\"")));
        List<String> lines = Arrays.asList(output.getAll().split("\n", -1));
        assertThat(lines)
                .as("no forged line, no raw control character")
                .noneSatisfy(line -> assertThat(line).startsWith(MARK))
                .noneSatisfy(line -> assertThat(line).contains("\u001b", "\r", "\u0085", "\u2028"));
        assertThat(lines)
                .as("no ERROR, no stack trace")
                .noneSatisfy(line -> assertThat(line).contains(" ERROR "))
                .noneSatisfy(line -> assertThat(line).matches("^\\s+at [a-zA-Z].*"))
                .noneSatisfy(line -> assertThat(line).startsWith("Caused by:"));
        assertThat(output.getAll()).contains("JWT signed with key id kid\\n" + MARK);
        sent.forEach((id, request) -> assertAuditedAsAnswered(id, request, lines));
        assertThat(sent.get("ten-year-jwt").status()).isEqualTo(401);
        assertThat(sent.get("sub").status()).isEqualTo(401);
        assertThat(sent.get("kid").status()).isEqualTo(401);
        assertThat(sent.get("text-plain").status()).isEqualTo(415);
        assertThat(sent.get("text-plain").response()).contains("application/problem+json");
        assertThat(sent.get("garbage-type").status()).isEqualTo(415);
        assertThat(sent.get("no-host").status()).isEqualTo(400);
        assertThat(sent.get("no-host").response()).contains("application/problem+json", "Host header");
        assertThat(sent.get("path-key").status()).isEqualTo(400);
        assertThat(sent.get("path-key").response()).doesNotContain(SCORER_KEY).contains("/v1/credentials/*/iam-token");
        assertThat(sent.get("path-jwt").status()).isEqualTo(400);
        assertThat(sent.get("path-jwt").response()).doesNotContain(jwtInPath.substring(0, 20));
        assertThat(sent.get("bad-chunk-v1").status()).isEqualTo(400);
        assertThat(sent.get("bad-chunk-facade").status()).isEqualTo(400);
        assertThat(sent.get("bad-chunk-exchange").status()).isEqualTo(400);
        assertThat(List.of("short-body-v1", "short-body-facade", "short-body-exchange"))
                .allSatisfy(id -> assertThat(sent.get(id).status()).isNull());
    }

    // Every AUDIT line of a request carries the status its client read off the wire, or none (aborted) if it read
    // nothing; requests that reached the caller API have exactly one.
    private static void assertAuditedAsAnswered(String id, Sent request, List<String> lines) {
        List<JsonNode> audits = new ArrayList<>();
        for (String line : lines) {
            if (line.contains(" AUDIT ") && line.contains("\"request_id\":\"" + id + "\"")) {
                audits.add(JSON_MAPPER.readTree(line.substring(line.indexOf('{'))));
            }
        }
        assertThat(audits).as(id + " answered " + request.status()).hasSizeLessThanOrEqualTo(1);
        if (request.audited()) {
            assertThat(audits).as(id + " answered " + request.status()).hasSize(1);
        }
        for (JsonNode audit : audits) {
            if (request.status() == null) {
                assertThat(audit.has("status")).as(id).isFalse();
                assertThat(audit.get("outcome").asString()).as(id).isEqualTo("aborted");
            } else {
                assertThat(audit.get("status").asInt()).as(id).isEqualTo(request.status());
                assertThat(audit.get("outcome").asString())
                        .as(id)
                        .isEqualTo(request.status() == 200 ? "issued" : "refused");
            }
        }
    }

    private void request(String id, String raw, boolean audited) {
        String withId = raw.replaceFirst("\r\n", "\r\nX-Request-Id: " + id + "\r\n");
        try (Socket socket = TestSockets.open(port)) {
            TestSockets.send(socket, raw.contains("X-Request-Id: ") ? raw : withId);
            // Every request says Connection: close, so the answer ends with the connection.
            String received = TestSockets.receivedUntilClosed(socket, BOUND);
            assertThat(received).as(id + " closed").isNotNull();
            sent.put(id, new Sent(statusOf(received, socket), received, audited));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void hangUp(String id, String raw) {
        String withId = raw.replaceFirst("\r\n", "\r\nX-Request-Id: " + id + "\r\n");
        try (Socket socket = TestSockets.open(port)) {
            TestSockets.send(socket, withId);
            socket.shutdownOutput();
            String received = TestSockets.receivedUntilClosed(socket, BOUND);
            assertThat(received).as(id + " closed").isNotNull();
            sent.put(id, new Sent(statusOf(received, socket), received, true));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Integer statusOf(String received, Socket socket) {
        if (!received.startsWith("HTTP/1.1 ")) {
            return null;
        }
        return Integer.parseInt(received.substring(9, 12));
    }

    private static String post(String path, String headers, String body) {
        return head(path, headers + "Content-Length: " + body.length() + "\r\n") + body;
    }

    private static String json(String path, String contentType, String body) {
        return post(path, bearer(SCORER_KEY) + "Content-Type: " + contentType + "\r\n", body);
    }

    private static String head(String path, String headers) {
        return "POST " + path + " HTTP/1.1\r\nHost: broker\r\nConnection: close\r\n" + headers + "\r\n";
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token + "\r\n";
    }

    /**
     * One request of the corpus and what its client got.
     *
     * @param status the status read off the wire, or {@code null} if nothing was answered
     * @param response everything received
     * @param audited whether the request reaches the caller API, and so must have one audit line
     */
    private record Sent(Integer status, String response, boolean audited) {}
}
