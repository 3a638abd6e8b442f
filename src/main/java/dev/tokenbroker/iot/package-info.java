/**
 * Watson IoT Platform application keys: minted from an operator key, revoked when replaced, and swept when their time
 * is up. Knows nothing of callers or caching.
 */
package dev.tokenbroker.iot;
