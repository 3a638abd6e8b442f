package dev.tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokenbroker.credential.CredentialRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written path and bearer matching of {@link TokenEndpoints} answers exactly what the regular expressions it
 * replaced answered, on the edge cases and on many random strings over the characters that matter.
 */
class TokenEndpointsMatchingTests {

    private static final String NAME = "([a-z0-9][a-z0-9-]{0,62})";
    private static final Pattern V1 = Pattern.compile("/v1/credentials/" + NAME + "/iam-token");
    private static final Pattern FACADE = Pattern.compile("/iam/" + NAME + "/identity/token");
    private static final Pattern BEARER = Pattern.compile("Bearer ([a-zA-Z0-9-._~+/]+=*)");

    @Test
    void pathsMatchAsTheRegularExpressionsDid() {
        List<String> paths = new ArrayList<>(List.of(
                "/v1/credentials/wml-prod/iam-token",
                "/v1/credentials//iam-token",
                "/v1/credentials/-x/iam-token",
                "/v1/credentials/a/b/iam-token",
                "/v1/credentials/" + "a".repeat(63) + "/iam-token",
                "/v1/credentials/" + "a".repeat(64) + "/iam-token",
                "/v1/credentials/WML/iam-token",
                "/v1/credentials/iam-token",
                "/v1/credentials/x/iam-tokens",
                "/iam/wml-prod/identity/token",
                "/iam//identity/token",
                "/iam/identity/token",
                "/iam/a%2Fb/identity/token"));
        Random random = new Random(13);
        String alphabet = "az09-/A_%.";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder middle = new StringBuilder();
            int length = random.nextInt(70);
            for (int j = 0; j < length; j++) {
                middle.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            paths.add("/v1/credentials/" + middle + "/iam-token");
            paths.add("/iam/" + middle + "/identity/token");
        }
        for (String path : paths) {
            assertThat(TokenEndpoints.name(path, "/v1/credentials/", "/iam-token"))
                    .as(path)
                    .isEqualTo(group(V1.matcher(path)));
            assertThat(TokenEndpoints.name(path, "/iam/", "/identity/token"))
                    .as(path)
                    .isEqualTo(group(FACADE.matcher(path)));
        }
    }

    @Test
    void bearerValuesMatchAsTheRegularExpressionDid() {
        List<String> values = new ArrayList<>(List.of(
                "Bearer tbk_abc",
                "Bearer abc==",
                "Bearer ===",
                "Bearer a=b",
                "Bearer ",
                "Bearer",
                "bearer abc",
                "Bearer  abc",
                "Bearer a.b.c-_~+/",
                "Bearer abc def",
                "Basic abc"));
        Random random = new Random(13);
        String alphabet = "aZ9-._~+/= !\"";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder token = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) {
                token.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            values.add("Bearer " + token);
        }
        for (String value : values) {
            assertThat(TokenEndpoints.bearer(value)).as(value).isEqualTo(group(BEARER.matcher(value)));
        }
        assertThat(TokenEndpoints.bearer(null)).isNull();
        assertThat(TokenEndpoints.bearer("Bearer " + "a".repeat(16 * 1024))).isNull();
    }

    @Test
    void wellFormedNamesAreTheNamePattern() {
        Random random = new Random(13);
        String alphabet = "az09-A_";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(66);
            for (int j = 0; j < length; j++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String candidate = name.toString();
            assertThat(CredentialRegistry.isWellFormed(candidate))
                    .as(candidate)
                    .isEqualTo(CredentialRegistry.NAME.matcher(candidate).matches());
        }
        assertThat(CredentialRegistry.isWellFormed(null)).isFalse();
    }

    private static String group(Matcher matcher) {
        return matcher.matches() ? matcher.group(1) : null;
    }
}
