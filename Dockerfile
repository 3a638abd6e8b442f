# token-broker image: build with the Maven wrapper on JDK 17, run the layered jar on a Temurin JRE.
#
#   docker build -t token-broker:0.1.0 .
#
# Needs BuildKit (the default builder since Docker 23) for the Maven cache mount.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /workspace
# The wrapper and pom first, so this layer and the cached ~/.m2 survive source-only changes.
COPY --chmod=0755 mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -DskipTests package
# Split the jar into layers that change at different rates (dependencies rarely, application often). No
# --launcher: a plain token-broker.jar with lib/ beside it, the layout the AOT cache can archive.
RUN java -Djarmode=tools -jar target/token-broker.jar extract --layers --destination extracted

# The runtime: Temurin 25, whose AOT cache (JEP 483/514: classes loaded and linked; no method profiles) the image
# trains below.
FROM eclipse-temurin:25-jre
# A named user for ps/whoami; the numeric USER below is what Kubernetes' runAsNonRoot checks.
RUN groupadd --system --gid 10001 tokenbroker \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin tokenbroker
WORKDIR /app
# Least to most often changed; files stay root-owned and read-only to the broker.
COPY --from=build /workspace/extracted/dependencies/ ./
COPY --from=build /workspace/extracted/spring-boot-loader/ ./
COPY --from=build /workspace/extracted/snapshot-dependencies/ ./
COPY --from=build /workspace/extracted/application/ ./
# The JVM flags, one java argument file per way of starting the broker (the one place they live: deployment.flags for
# this ENTRYPOINT, sidecar.flags for the Helm chart's sidecar command), and the AOT cache's training run.
COPY --from=build /workspace/src/main/jvm/ ./jvm/
# AOT cache (docs/benchmarks.md#footprint): a training run starts the broker with the ENTRYPOINT's flags, sends it
# requests that need no upstream (caller authentication, policy, problem answers, actuator, OpenAPI) so that the
# JVM records which classes it loads and links and how the hot methods behave, then stops it; the JVM writes
# app.aot at exit. Same JRE and same paths as at run time, so the cache validates; a JVM that cannot map it
# (-XX:AOTMode=auto, the default) says so in a warning and starts without it, only slower.
RUN bash jvm/aot-training.sh
USER 10001:10001
# 8080: caller API; 8081: actuator (health, prometheus, tokens).
EXPOSE 8080 8081
# Read-only root file system: the JVM and Spring write only to /tmp (an emptyDir in the chart) and
# sinks go to /var/run/token-broker. Health is checked by Kubernetes probes, so no HEALTHCHECK.
ENTRYPOINT ["java", "-XX:AOTCache=app.aot", "@jvm/deployment.flags", "-jar", "token-broker.jar"]
