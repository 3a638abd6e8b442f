package dev.tokenbroker.shared;

import dev.tokenbroker.support.Secret;
import dev.tokenbroker.vault.StoredSecret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for the values in Redis: {@code v1.<key id>.<base64 of nonce and ciphertext>}, with the Redis key bound
 * in as associated data, so that a value moved to another key, or altered, does not decrypt. The key id (an HMAC of
 * a constant under the key: it tells nothing of the key) lets the encryption key rotate: new values use the newest
 * key, values under any key this process has seen still decrypt. Thread-safe.
 */
final class SharedCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final String PREFIX = "v1.";

    private final SecureRandom random;
    private final Map<String, SecretKeySpec> keys = new ConcurrentHashMap<>();
    private volatile String current;

    SharedCipher(SecureRandom random) {
        this.random = random;
    }

    /**
     * Takes the key of a version of the encryption-key secret; it becomes the one new values use.
     *
     * @throws IllegalArgumentException when the field {@code key} is not the base64 of 32 bytes (the message names
     *     the secret only)
     */
    void use(StoredSecret secret) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(secret.require("key").reveal().trim());
        } catch (IllegalArgumentException notBase64) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException(
                    "secret '" + secret.name() + "' field 'key' must be the base64 of 32 random bytes");
        }
        SecretKeySpec key = new SecretKeySpec(raw, "AES");
        String id = keyId(key);
        keys.putIfAbsent(id, key);
        current = id;
    }

    /** Whether a key has been taken. */
    boolean ready() {
        return current != null;
    }

    /** The current key's id, for operators (tells nothing of the key). */
    String currentKeyId() {
        return current;
    }

    String encrypt(String redisKey, byte[] plaintext) {
        String id = current;
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(id), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(redisKey.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + id + "." + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** The plaintext, or empty when the value is malformed, under an unknown key, altered, or for another key. */
    Optional<byte[]> decrypt(String redisKey, String value) {
        if (value == null || !value.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int dot = value.indexOf('.', PREFIX.length());
        if (dot < 0) {
            return Optional.empty();
        }
        SecretKeySpec key = keys.get(value.substring(PREFIX.length(), dot));
        if (key == null) {
            return Optional.empty();
        }
        try {
            byte[] in = Base64.getDecoder().decode(value.substring(dot + 1));
            if (in.length <= NONCE_BYTES) {
                return Optional.empty();
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(redisKey.getBytes(StandardCharsets.UTF_8));
            return Optional.of(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES));
        } catch (IllegalArgumentException | GeneralSecurityException refused) {
            return Optional.empty();
        }
    }

    /**
     * The Redis key of a credential: an HMAC under its master key, so that it changes with the master key (a new
     * version is a new key) and carries neither the credential's secret nor anything a reader of Redis could use.
     */
    static String name(String kind, String credential, Secret masterKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(masterKey.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal(("token-broker/" + kind + "/" + credential).getBytes(StandardCharsets.UTF_8));
            return "tokenbroker:" + kind + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static String keyId(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            byte[] digest = mac.doFinal("token-broker shared-tier key id".getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
