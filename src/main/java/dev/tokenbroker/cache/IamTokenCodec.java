package dev.tokenbroker.cache;

import dev.tokenbroker.iam.IamToken;
import dev.tokenbroker.shared.SharedCodec;
import dev.tokenbroker.support.Secret;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

// An IAM token as the shared tier's plaintext: a version byte, then access token, type, issued and expiry (epoch
// millis) and scope. Encrypted by the shared tier before it leaves the process.
final class IamTokenCodec implements SharedCodec<IamToken> {

    static final IamTokenCodec INSTANCE = new IamTokenCodec();

    private static final byte VERSION = 1;

    @Override
    public byte[] encode(IamToken token) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(2048);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(token.accessToken().reveal());
            out.writeUTF(token.tokenType() == null ? "" : token.tokenType());
            out.writeLong(token.issuedAt().toEpochMilli());
            out.writeLong(token.expiresAt().toEpochMilli());
            out.writeUTF(token.scope() == null ? "" : token.scope());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public IamToken decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != VERSION) {
                throw new IllegalArgumentException("not an IAM token of this format");
            }
            Secret accessToken = Secret.of(in.readUTF());
            String type = in.readUTF();
            Instant issuedAt = Instant.ofEpochMilli(in.readLong());
            Instant expiresAt = Instant.ofEpochMilli(in.readLong());
            String scope = in.readUTF();
            return new IamToken(
                    accessToken, type.isEmpty() ? null : type, issuedAt, expiresAt, scope.isEmpty() ? null : scope);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IAM token of this format");
        }
    }
}
