package dev.tokenbroker.support;

import java.util.concurrent.Executor;

/**
 * Where the Caffeine caches read on every request do their upkeep (draining read buffers, expiring and evicting).
 * Caffeine's default hands each drain to {@code ForkJoinPool.commonPool()}: on the cache-hit path that was a thread
 * wake-up (and a lock hand-over back) every few dozen reads, 2% of the event loops' time in the profile of
 * docs/benchmarks.md. Run in the reading thread instead, the drain costs a few hundred nanoseconds, under a lock
 * Caffeine takes with {@code tryLock}, so it never waits. Only for caches whose upkeep runs no listener or loader:
 * those must not run on an event loop.
 */
public final class CacheMaintenance {

    /** Runs a cache's upkeep in the thread that triggered it. */
    public static final Executor IN_CALLER = Runnable::run;

    private CacheMaintenance() {}
}
