/** Where master keys live: {@link dev.tokenbroker.vault.SecretRepository}, its file and HashiCorp Vault implementations. */
package dev.tokenbroker.vault;
