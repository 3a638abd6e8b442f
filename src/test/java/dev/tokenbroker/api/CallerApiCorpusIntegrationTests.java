package dev.tokenbroker.api;

import static dev.tokenbroker.testing.TestBroker.CLOCK;
import static dev.tokenbroker.testing.TestBroker.GATEWAY_KEY;
import static dev.tokenbroker.testing.TestBroker.LIMITED_KEY;
import static dev.tokenbroker.testing.TestBroker.SCORER_KEY;
import static dev.tokenbroker.testing.TestBroker.STRANGER_KEY;

import dev.tokenbroker.testing.BrokerIntegrationTest;
import dev.tokenbroker.testing.TestJwts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The caller API answers a corpus of ordinary and odd requests exactly as the answers recorded in
 * {@code src/test/resources/corpus/caller-api.json}: status, every header in order with its value, the body's shape
 * (every field, secrets and clock-dependent values by type only) and the audit line. The recording was taken from the
 * Spring Security filter chain and the annotated controllers before the request path was made one (issue 24), so this
 * holds the one path to what the chain-served answers were, {@code Strict-Transport-Security} behind
 * {@code X-Forwarded-Proto: https} included. Requests go over raw loopback sockets, so that header order, repeated
 * headers and missing ones are exactly as written here.
 *
 * <p>{@code -Dcorpus.record=true} writes the recording anew from the running broker instead of comparing.
 */
@ExtendWith(OutputCaptureExtension.class)
class CallerApiCorpusIntegrationTests extends BrokerIntegrationTest {

    private static final Path RECORDING = Path.of("src/test/resources/corpus/caller-api.json");
    private static final JsonMapper JSON_MAPPER =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    // Values that differ from run to run (secrets, the clock's reading at mint time): compared by type only.
    private static final Set<String> VARIABLE = Set.of(
            "access_token",
            "refresh_token",
            "auth-key",
            "auth-token",
            "username",
            "password",
            "expires_in",
            "expiration",
            "expires_at",
            "ims_user_id",
            "request_id",
            "requestId");
    private static final String V1 = "/v1/credentials/wml-prod/iam-token";

    @Test
    void corpusWhenSentThenEachAnswerIsTheRecordedOne(CapturedOutput output) throws IOException {
        String jwt = TestJwts.serviceAccount("ml", "scorer").sign();
        accessToken(SCORER_KEY, "wml-prod");
        accessToken(jwt, "wml-prod");

        Map<String, Object> answers = new LinkedHashMap<>();
        for (Case sent : corpus(jwt)) {
            if (sent.id().equals("v1-limited-first")) {
                // A full bucket for the rate-limited caller, whatever earlier tests in this context took from it.
                CLOCK.advance(Duration.ofSeconds(5));
            }
            int before = output.getAll().length();
            Answer answer = send(sent.request());
            String audit = auditLine(output.getAll().substring(before), sent.id());
            answers.put(sent.id(), answer.recorded(audit));
        }

        JsonNode actual = JSON_MAPPER.valueToTree(answers);
        if (Boolean.getBoolean("corpus.record")) {
            Files.createDirectories(RECORDING.getParent());
            Files.writeString(RECORDING, JSON_MAPPER.writeValueAsString(actual) + "\n");
            return;
        }
        JsonNode recorded = JSON_MAPPER.readTree(Files.readString(RECORDING));
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(actual.propertyNames()).containsExactlyElementsOf(recorded.propertyNames());
            for (String id : recorded.propertyNames()) {
                softly.assertThat(actual.get(id)).as(id).isEqualTo(recorded.get(id));
            }
        });
    }

    private List<Case> corpus(String jwt) {
        String key = "Authorization: Bearer " + SCORER_KEY + "\r\n";
        List<Case> cases = new ArrayList<>();
        cases.add(post("v1-warm-no-body", V1, key, null, null));
        cases.add(post("v1-warm-empty-json", V1, key, "application/json", "{}"));
        cases.add(post("v1-warm-min-valid", V1, key, "application/json", "{\"min_valid_seconds\":300}"));
        cases.add(post("v1-warm-jwt", V1, "Authorization: Bearer " + jwt + "\r\n", null, null));
        cases.add(post("v1-https-behind-proxy", V1, key + "X-Forwarded-Proto: https\r\n", null, null));
        cases.add(post("v1-accept-json", V1, key + "Accept: application/json\r\n", null, null));
        cases.add(post("v1-accept-any", V1, key + "Accept: */*\r\n", null, null));
        cases.add(post("v1-accept-text", V1, key + "Accept: text/plain\r\n", null, null));
        cases.add(post("v1-query-string", V1 + "?debug=1", key, null, null));
        cases.add(post("v1-lowercase-scheme", V1, "Authorization: bearer " + SCORER_KEY + "\r\n", null, null));
        cases.add(post("v1-no-authorization", V1, "", null, null));
        cases.add(post("v1-unknown-key", V1, "Authorization: Bearer tbk_unknown0000000000000000\r\n", null, null));
        cases.add(post("v1-basic", V1, "Authorization: Basic c2NvcmVyOnNlY3JldA==\r\n", null, null));
        cases.add(post("v1-two-authorizations", V1, key + key, null, null));
        cases.add(post("v1-malformed-jwt", V1, "Authorization: Bearer eyJhbGciOi.broken.jwt\r\n", null, null));
        cases.add(post("v1-not-allowed", V1, "Authorization: Bearer " + STRANGER_KEY + "\r\n", null, null));
        cases.add(post("v1-unknown-credential", "/v1/credentials/no-such/iam-token", key, null, null));
        cases.add(post("v1-malformed-name", "/v1/credentials/WML_PROD/iam-token", key, null, null));
        cases.add(post("v1-secret-in-path", "/v1/credentials/tbk_pasted-key.x/iam-token", key, null, null));
        cases.add(post("v1-wrong-type", "/v1/credentials/factory-iot/iam-token", gateway(), null, null));
        cases.add(post("v1-bad-master-key", "/v1/credentials/wml-badkey/iam-token", key, null, null));
        cases.add(post("v1-bad-json", V1, key, "application/json", "{\"min_valid_seconds\":"));
        cases.add(post("v1-unknown-field", V1, key, "application/json", "{\"colour\":\"blue\"}"));
        cases.add(post("v1-min-valid-too-long", V1, key, "application/json", "{\"min_valid_seconds\":4000}"));
        cases.add(post("v1-text-body", V1, key, "text/plain", "hello"));
        cases.add(post("v1-body-without-type", V1, key, null, "{}"));
        cases.add(post("v1-oversized-body", V1, key, "application/json", "{\"x\":\"" + "a".repeat(17_000) + "\"}"));
        cases.add(post("v1-trailing-slash", V1 + "/", key, null, null));
        cases.add(raw("v1-get", "GET " + V1 + " HTTP/1.1\r\nHost: broker\r\n" + key + "\r\n"));
        cases.add(raw("v1-no-host", "POST " + V1 + " HTTP/1.1\r\n" + key + "Content-Length: 0\r\n\r\n"));
        cases.add(raw(
                "v1-two-hosts",
                "POST " + V1 + " HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + key + "Content-Length: 0\r\n\r\n"));
        cases.add(raw("v1-http10", "POST " + V1 + " HTTP/1.0\r\n" + key + "Content-Length: 0\r\n\r\n"));
        cases.add(raw("v1-odd-request-id", request("POST", V1, key + "X-Request-Id: a b<c>\r\n", null, null)));
        cases.add(post(
                "v1-loopback-caller",
                "/v1/credentials/wml-dev/iam-token",
                "X-Token-Broker-Request: true\r\n",
                null,
                null));
        String limited = "Authorization: Bearer " + LIMITED_KEY + "\r\n";
        cases.add(post("v1-limited-first", V1, limited, null, null));
        cases.add(post("v1-limited-second", V1, limited, null, null));
        cases.add(post("v1-limited-over", V1, limited, null, null));
        cases.add(raw("v1-list", "GET /v1/credentials HTTP/1.1\r\nHost: broker\r\n" + key + "\r\n"));
        cases.add(post(
                "v1-iot-key",
                "/v1/credentials/factory-iot/iot-key",
                gateway(),
                "application/json",
                "{\"roles\":[\"PD_STANDARD_APP\"]}"));
        cases.add(post(
                "v1-iot-key-roles-refused",
                "/v1/credentials/factory-iot/iot-key",
                gateway(),
                "application/json",
                "{\"roles\":[\"PD_OPERATOR_APP\"]}"));
        String form = "application/x-www-form-urlencoded";
        cases.add(post(
                "facade-apikey",
                "/iam/wml-prod/identity/token",
                "",
                form,
                "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=" + SCORER_KEY));
        cases.add(post(
                "facade-ibm-key",
                "/iam/wml-prod/identity/token",
                "",
                form,
                "grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=an-ibm-cloud-api-key"));
        cases.add(post(
                "facade-cr-token",
                "/iam/wml-prod/identity/token",
                "Authorization: Basic Yng6Yng=\r\n",
                form,
                "grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=" + jwt));
        cases.add(post("facade-no-grant", "/iam/wml-prod/identity/token", "", form, "apikey=" + SCORER_KEY));
        cases.add(post(
                "exchange-jwt",
                "/oauth2/token",
                "",
                form,
                "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=" + jwt
                        + "&subject_token_type=urn:ietf:params:oauth:token-type:jwt&resource=wml-prod"));
        cases.add(post("exchange-wrong-grant", "/oauth2/token", "", form, "grant_type=password&resource=wml-prod"));
        cases.add(raw("unknown-path", "GET /v2/anything HTTP/1.1\r\nHost: broker\r\n" + key + "\r\n"));
        cases.add(raw("root", "GET / HTTP/1.1\r\nHost: broker\r\n\r\n"));
        return cases;
    }

    private static String gateway() {
        return "Authorization: Bearer " + GATEWAY_KEY + "\r\n";
    }

    private static Case post(String id, String path, String headers, String contentType, String body) {
        return raw(id, request("POST", path, headers + "X-Request-Id: corpus-" + id + "\r\n", contentType, body));
    }

    private static Case raw(String id, String request) {
        return new Case(id, request);
    }

    private static String request(String method, String path, String headers, String contentType, String body) {
        StringBuilder request =
                new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: broker\r\n");
        request.append(headers);
        if (contentType != null) {
            request.append("Content-Type: ").append(contentType).append("\r\n");
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        request.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
        if (body != null) {
            request.append(body);
        }
        return request.toString();
    }

    private Answer send(String request) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return Answer.read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // The audit line of the request with this id, without its time and with its fingerprint's value hidden; "none"
    // when the request wrote none. Requests with a random id are found as the one line written meanwhile.
    private static String auditLine(String log, String id) {
        List<String> lines = log.lines()
                .filter(line -> line.contains(" AUDIT "))
                .map(line -> line.substring(line.indexOf('{')))
                .toList();
        List<String> mine = lines.stream()
                .filter(line -> line.contains("\"request_id\":\"corpus-" + id + "\""))
                .toList();
        List<String> found = mine.isEmpty() ? lines : mine;
        if (found.isEmpty()) {
            return "none";
        }
        ObjectNode line = (ObjectNode) JSON_MAPPER.readTree(found.get(found.size() - 1));
        line.remove("time");
        if (line.has("fingerprint")) {
            line.put("fingerprint", "<fingerprint>");
        }
        if (mine.isEmpty() && line.has("request_id")) {
            line.put("request_id", "<random>");
        }
        return line.toString();
    }

    private record Case(String id, String request) {}

    private record Answer(String statusLine, List<String> headers, String body) {

        static Answer read(InputStream in) throws IOException {
            String statusLine = line(in);
            List<String> headers = new ArrayList<>();
            int length = -1;
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                headers.add(header);
                if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : new byte[0];
            return new Answer(statusLine, headers, new String(body, StandardCharsets.UTF_8));
        }

        // What is compared: the status line, the headers (the request id's value, when random, and the length of
        // a body with variable values by type only), and the body's shape.
        Map<String, Object> recorded(String audit) {
            Map<String, Object> recorded = new LinkedHashMap<>();
            recorded.put("status", statusLine);
            JsonNode json = body.isEmpty() ? null : parse(body);
            boolean variable = json != null && hasVariable(json);
            List<String> shown = new ArrayList<>();
            for (String header : headers) {
                String name = header.substring(0, header.indexOf(':'));
                String value = header.substring(header.indexOf(':') + 1).trim();
                if (name.equalsIgnoreCase("X-Request-Id") && !value.startsWith("corpus-")) {
                    value = "<random>";
                } else if (name.equalsIgnoreCase("Content-Length") && variable) {
                    value = "<length>";
                }
                shown.add(name + ": " + value);
            }
            // HTTP gives the order of differently named fields no meaning (RFC 9110 §5.3), so they are compared by
            // name; fields of the same name keep their order.
            shown.sort(Comparator.comparing(
                    field -> field.substring(0, field.indexOf(':')), String.CASE_INSENSITIVE_ORDER));
            recorded.put("headers", shown);
            recorded.put("body", json == null ? body : shape(json));
            recorded.put("audit", audit);
            return recorded;
        }

        private static JsonNode parse(String body) {
            try {
                return JSON_MAPPER.readTree(body);
            } catch (RuntimeException notJson) {
                return null;
            }
        }

        private static boolean hasVariable(JsonNode json) {
            if (json.isObject()) {
                for (String name : json.propertyNames()) {
                    if (VARIABLE.contains(name) || hasVariable(json.get(name))) {
                        return true;
                    }
                }
            }
            if (json.isArray()) {
                for (JsonNode element : json) {
                    if (hasVariable(element)) {
                        return true;
                    }
                }
            }
            return false;
        }

        // Objects field by field (sorted, so that the comparison says which field differs), variable values as
        // their type; the OpenAPI document by its top-level fields only.
        private static Object shape(JsonNode json) {
            if (json.isObject()) {
                Map<String, Object> fields = new TreeMap<>();
                if (json.has("openapi")) {
                    json.propertyNames().forEach(name -> fields.put(name, "<openapi>"));
                    return fields;
                }
                for (String name : json.propertyNames()) {
                    JsonNode value = json.get(name);
                    fields.put(name, VARIABLE.contains(name) ? "<" + value.getNodeType() + ">" : shape(value));
                }
                return fields;
            }
            if (json.isArray()) {
                List<Object> elements = new ArrayList<>();
                json.forEach(element -> elements.add(shape(element)));
                return elements;
            }
            return json;
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(c);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
