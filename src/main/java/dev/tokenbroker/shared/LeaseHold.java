package dev.tokenbroker.shared;

import java.time.Duration;

// In the Reactor context of a mint that holds the shared tier's lease: the upstream budget tells it how long the mint
// waits for its turn, and the lease is held that much longer, so that the other replicas keep waiting for this mint.
@FunctionalInterface
interface LeaseHold {

    void holdFor(Duration wait);
}
