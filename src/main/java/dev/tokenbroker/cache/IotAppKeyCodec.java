package dev.tokenbroker.cache;

import dev.tokenbroker.iot.IotAppKey;
import dev.tokenbroker.shared.SharedCodec;
import dev.tokenbroker.support.Secret;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

// A WIoTP key as the shared tier's plaintext: a version byte, credential, org, key id, token, roles, issued and expiry
// (epoch millis). Encrypted by the shared tier before it leaves the process.
final class IotAppKeyCodec implements SharedCodec<IotAppKey> {

    static final IotAppKeyCodec INSTANCE = new IotAppKeyCodec();

    private static final byte VERSION = 1;

    @Override
    public byte[] encode(IotAppKey key) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(key.credential());
            out.writeUTF(key.org());
            out.writeUTF(key.key());
            out.writeUTF(key.token().reveal());
            out.writeShort(key.roles().size());
            for (String role : key.roles()) {
                out.writeUTF(role);
            }
            out.writeLong(key.issuedAt().toEpochMilli());
            out.writeLong(key.expiresAt().toEpochMilli());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public IotAppKey decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != VERSION) {
                throw new IllegalArgumentException("not a WIoTP key of this format");
            }
            String credential = in.readUTF();
            String org = in.readUTF();
            String key = in.readUTF();
            Secret token = Secret.of(in.readUTF());
            int count = in.readShort();
            List<String> roles = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                roles.add(in.readUTF());
            }
            Instant issuedAt = Instant.ofEpochMilli(in.readLong());
            Instant expiresAt = Instant.ofEpochMilli(in.readLong());
            return new IotAppKey(credential, org, key, token, roles, issuedAt, expiresAt);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a WIoTP key of this format");
        }
    }
}
