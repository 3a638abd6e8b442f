/** The optional shared tier: replicas share minted credentials through Redis, encrypted, with a distributed lease. */
package dev.tokenbroker.shared;
