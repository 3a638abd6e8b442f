package dev.tokenbroker;

import dev.tokenbroker.caller.ClientKeyCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Entry point. {@code java -jar token-broker.jar generate-client-key ID} prints a new caller key and the hash to
 * configure, without starting the server; any other invocation starts the broker.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TokenBrokerApplication {

    public static void main(String[] args) {
        if (ClientKeyCommand.matches(args)) {
            System.exit(ClientKeyCommand.run(args, System.out, System.err));
        }
        SpringApplication.run(TokenBrokerApplication.class, args);
    }
}
