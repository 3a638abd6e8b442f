package dev.tokenbroker.bench;

import java.io.File;
import redis.embedded.core.ExecutableProvider;

/**
 * The {@code redis-server} executable that the {@code embedded-redis} test dependency ships for this machine (Redis
 * 6.2), extracted into a folder, for the scripts that need a Redis without an OS package ({@code scripts/scale-bench.sh}
 * when {@code redis-server} is not installed). Prints its path, then exits.
 *
 * <p>Arguments: {@code FOLDER}.
 */
public final class EmbeddedRedisServer {

    private EmbeddedRedisServer() {}

    public static void main(String[] args) throws Exception {
        File executable =
                ExecutableProvider.newJarResourceProvider(new File(args[0])).get();
        System.out.println(executable.getAbsolutePath());
    }
}
