package dev.tokenbroker.ops;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.info.ProcessInfo;

/**
 * {@code process} in {@code /actuator/info}: the facts about the process that hold for its whole life ({@code pid},
 * {@code parentPid}, {@code owner}, {@code startTime}), read once. Boot's own {@code process} contributor is off
 * ({@code management.info.process.enabled=false}): it adds the current time, uptime, memory and thread counts, which
 * change on every call, so that Spring Boot Admin recorded an {@code INFO_CHANGED} event on every poll. Those figures
 * are meters ({@code process.uptime}, {@code jvm.memory.used}, …).
 */
final class StableProcessInfo implements InfoContributor {

    private final Map<String, Object> facts;

    StableProcessInfo() {
        ProcessInfo process = new ProcessInfo();
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pid", process.getPid());
        facts.put("parentPid", process.getParentPid());
        facts.put("owner", process.getOwner());
        facts.put("startTime", process.getStartTime().toString());
        this.facts = Collections.unmodifiableMap(facts);
    }

    @Override
    public void contribute(Info.Builder builder) {
        builder.withDetail("process", new LinkedHashMap<>(facts));
    }
}
