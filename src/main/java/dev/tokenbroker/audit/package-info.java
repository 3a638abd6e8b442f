/** The AUDIT log: one JSON line per issuance and per refusal, with a keyed fingerprint instead of the credential. */
package dev.tokenbroker.audit;
