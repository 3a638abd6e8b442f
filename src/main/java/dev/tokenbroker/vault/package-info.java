/** Where master keys live: {@link dev.tokenbroker.vault.SecretRepository} and its file implementation. */
package dev.tokenbroker.vault;
