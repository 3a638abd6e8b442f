package dev.tokenbroker.sink;

import dev.tokenbroker.credential.Credential;
import java.nio.file.Path;

// A sink that passed start-up validation: a known credential that mints IAM tokens and an absolute path in a writable
// folder.
record SinkTarget(Credential credential, Path path, SinkFormat format) {

    String describe() {
        return "sink '" + path + "' (" + credential.name() + ", " + format.id() + ")";
    }
}
