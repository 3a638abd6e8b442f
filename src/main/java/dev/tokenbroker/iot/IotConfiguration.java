package dev.tokenbroker.iot;

import dev.tokenbroker.credential.CredentialRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/** Wires the WIoTP client, the ledger of minted keys and the sweeper (a lifecycle bean: starts and stops with the app). */
@Configuration(proxyBeanMethods = false)
class IotConfiguration {

    @Bean
    IotKeyLedger iotKeyLedger() {
        return new IotKeyLedger();
    }

    @Bean
    IotKeyProvider iotKeyProvider(
            WebClient.Builder builder, IotProperties properties, Clock clock, IotKeyLedger ledger) {
        return new IotKeyProvider(builder, properties, clock, ledger);
    }

    @Bean
    IotKeySweeper iotKeySweeper(
            CredentialRegistry registry,
            IotMasterKeys masterKeys,
            IotKeyProvider provider,
            IotKeyLedger ledger,
            IotProperties properties,
            Clock clock,
            MeterRegistry meters) {
        return new IotKeySweeper(registry, masterKeys, provider, ledger, properties, clock, meters);
    }
}
