package dev.tokenbroker.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.tokenbroker.support.Secret;
import dev.tokenbroker.vault.StoredSecret;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedCipherTests {

    private static final byte[] TOKEN = "ACCESSCANARY-token".getBytes(StandardCharsets.UTF_8);
    private static final String KEY = "tokenbroker:iam-token:0123";

    private final SharedCipher cipher = new SharedCipher(new SecureRandom());

    @Test
    void decryptWhenSameRedisKeyThenRoundTripsAndTheValueShowsNoPlaintext() {
        cipher.use(key("one", 1));

        String value = cipher.encrypt(KEY, TOKEN);

        assertThat(value).startsWith("v1." + cipher.currentKeyId() + ".").doesNotContain("ACCESSCANARY");
        assertThat(cipher.decrypt(KEY, value))
                .hasValueSatisfying(plain -> assertThat(plain).isEqualTo(TOKEN));
    }

    @Test
    void decryptWhenValueAlteredOrMovedToAnotherKeyThenRefused() {
        cipher.use(key("one", 1));
        String value = cipher.encrypt(KEY, TOKEN);
        // A character in the middle of the ciphertext: near the end, base64 may carry unused bits.
        int middle = value.lastIndexOf('.') + (value.length() - value.lastIndexOf('.')) / 2;
        char last = value.charAt(middle);
        String altered = value.substring(0, middle) + (last == 'A' ? 'B' : 'A') + value.substring(middle + 1);

        assertThat(cipher.decrypt(KEY, altered)).isEmpty();
        assertThat(cipher.decrypt("tokenbroker:iam-token:other", value)).isEmpty();
        assertThat(cipher.decrypt(KEY, "v1.deadbeef." + value.substring(value.lastIndexOf('.') + 1)))
                .isEmpty();
        assertThat(cipher.decrypt(KEY, "not ours")).isEmpty();
    }

    @Test
    void useWhenEncryptionKeyRotatesThenNewValuesUseTheNewKeyAndOldOnesStillDecrypt() {
        cipher.use(key("one", 1));
        String old = cipher.encrypt(KEY, TOKEN);
        String oldId = cipher.currentKeyId();

        cipher.use(key("two", 2));
        String fresh = cipher.encrypt(KEY, TOKEN);

        assertThat(cipher.currentKeyId()).isNotEqualTo(oldId);
        assertThat(fresh).startsWith("v1." + cipher.currentKeyId() + ".");
        assertThat(cipher.decrypt(KEY, old)).isPresent();
        assertThat(cipher.decrypt(KEY, fresh)).isPresent();
    }

    @Test
    void useWhenKeyIsNotThirtyTwoBytesThenRefusesNamingOnlyTheSecret() {
        StoredSecret shortKey = new StoredSecret(
                "shared-tier", "1", Map.of("key", Secret.of(Base64.getEncoder().encodeToString(new byte[16]))));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> cipher.use(shortKey))
                .withMessage("secret 'shared-tier' field 'key' must be the base64 of 32 random bytes");
    }

    @Test
    void nameWhenMasterKeyChangesThenTheRedisKeyChangesAndCarriesNothingOfEither() {
        String one = SharedCipher.name("iam-token", "wml-prod", Secret.of("MASTERCANARY-one"));
        String two = SharedCipher.name("iam-token", "wml-prod", Secret.of("MASTERCANARY-two"));

        assertThat(one).isNotEqualTo(two).startsWith("tokenbroker:iam-token:").doesNotContain("wml-prod");
        assertThat(one).isEqualTo(SharedCipher.name("iam-token", "wml-prod", Secret.of("MASTERCANARY-one")));
    }

    private static StoredSecret key(String version, int seed) {
        byte[] raw = new byte[32];
        new java.util.Random(seed).nextBytes(raw);
        return new StoredSecret(
                "shared-tier",
                version,
                Map.of("key", Secret.of(Base64.getEncoder().encodeToString(raw))));
    }
}
