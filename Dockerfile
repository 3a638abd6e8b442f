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
# --launcher: a plain token-broker.jar with lib/ beside it, the layout class data sharing can archive.
RUN java -Djarmode=tools -jar target/token-broker.jar extract --layers --destination extracted

FROM eclipse-temurin:21-jre
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
# Class data sharing (docs/benchmarks.md#footprint): a training run starts the application context, exits once it
# is refreshed, and archives the classes it loaded in app.jsa. Same JRE and same paths as at run time, so the
# archive validates; a JVM that cannot use it just starts without it.
RUN java -XX:ArchiveClassesAtExit=app.jsa -Dspring.context.exit=onRefresh -Djava.io.tmpdir=/tmp \
        -Dserver.port=0 -Dmanagement.server.port=0 -jar token-broker.jar
USER 10001:10001
# 8080: caller API; 8081: actuator (health, prometheus, tokens).
EXPOSE 8080 8081
# Read-only root file system: the JVM and Spring write only to /tmp (an emptyDir in the chart) and
# sinks go to /var/run/token-broker. Health is checked by Kubernetes probes, so no HEALTHCHECK.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-XX:SharedArchiveFile=app.jsa", "-Djava.io.tmpdir=/tmp", "-jar", "token-broker.jar"]
