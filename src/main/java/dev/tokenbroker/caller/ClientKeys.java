package dev.tokenbroker.caller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Client keys: opaque {@code tbk_…} bearer keys for callers outside the cluster. The broker stores only their
 * SHA-256 ({@code sha256:HEX}); a key has 256 random bits, so an unsalted hash is as strong as the key itself.
 */
public final class ClientKeys {

    /** Every client key starts with this. */
    public static final String PREFIX = "tbk_";

    /** What a stored hash looks like. */
    public static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");

    /** What a client id looks like. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private static final SecureRandom RANDOM = new SecureRandom();

    private ClientKeys() {}

    /** A new random key. Uses {@link SecureRandom}, which may block: call off the event loop. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The {@code sha256:HEX} form the broker stores. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
