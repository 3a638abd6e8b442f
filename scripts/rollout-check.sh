#!/usr/bin/env bash
# The shared tier under the conditions it exists for (DESIGN §10, §11; issue 26), with every replica a JVM of its own
# and every Redis a real redis-server on loopback (the binary the embedded-redis test dependency ships: no OS package):
# the JUnit tests tagged "rollout", which ./mvnw verify leaves out because they take minutes of JVM start-ups.
#
#   scripts/rollout-check.sh                 # all of them (about 8 minutes on 2 cores)
#   scripts/rollout-check.sh ClusterFailover # one class (or a surefire -Dtest pattern)
#
#   RolloutIntegrationTests        three replicas started together and a cold burst at ready, three times; a credential
#                                  minted while Redis was away, then a fourth replica; ten SIGKILL restarts
#   ClusterFailoverIntegrationTests Redis Cluster (3 primaries, 3 replicas) and Sentinel, a primary killed mid-load
#   UpstreamBudgetIntegrationTests max-calls-per-second over three replicas; IAM's 429 pausing every replica
#
# Each test prints what it measured (IAM calls, WIoTP keys, failed requests); the replicas' logs stay in the folders
# named in target/surefire-reports/*-output.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=${1:-'RolloutIntegrationTests,ClusterFailoverIntegrationTests,UpstreamBudgetIntegrationTests'}
# shellcheck disable=SC2086
./mvnw -B ${MAVEN_FLAGS:-} test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtokenbroker.test.excluded-groups=none -Dgroups=rollout
