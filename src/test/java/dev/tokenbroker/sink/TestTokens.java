package dev.tokenbroker.sink;

import dev.tokenbroker.credential.Credential;
import dev.tokenbroker.credential.CredentialType;
import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.support.Secret;
import java.nio.file.Path;
import java.time.Instant;
import tools.jackson.databind.json.JsonMapper;

/** Tokens and sink targets for the sink tests. */
final class TestTokens {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private TestTokens() {}

    /** A distinct JWT-sized token ({@code n} in its text), issued at {@code issuedAt}, living one hour. */
    static IamToken token(int n, Instant issuedAt) {
        String body = "TOKENCANARY" + n + "x".repeat(1200) + n;
        return new IamToken(Secret.of(body), "Bearer", issuedAt, issuedAt.plusSeconds(3600), "ibm openid");
    }

    static SinkTarget target(String credential, Path path, SinkFormat format) {
        return new SinkTarget(
                new Credential(credential, CredentialType.IAM_APIKEY, credential, null, null), path, format);
    }
}
