package dev.tokenbroker.caller;

import java.io.PrintStream;

/**
 * {@code generate-client-key ID}: prints a new client key once, and the property that makes the broker accept it.
 * Runs without starting the application.
 */
public final class ClientKeyCommand {

    private static final String NAME = "generate-client-key";

    private ClientKeyCommand() {}

    /** Whether the command line asks for this command. */
    public static boolean matches(String[] args) {
        return args.length > 0 && NAME.equals(args[0]);
    }

    /** Runs it. @return the process exit code */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2 || !ClientKeys.ID.matcher(args[1]).matches()) {
            err.println(
                    "usage: java -jar token-broker.jar " + NAME + " ID   (ID matches " + ClientKeys.ID.pattern() + ")");
            return 2;
        }
        String id = args[1];
        String key = ClientKeys.generate();
        out.println("# client key for caller 'client:" + id + "': give it to the caller; it is not shown again");
        out.println(key);
        out.println("# add to the broker's configuration:");
        out.println("tokenbroker.callers.client-keys." + id + "=" + ClientKeys.hash(key));
        return 0;
    }
}
