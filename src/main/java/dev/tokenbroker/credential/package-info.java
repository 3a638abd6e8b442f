/** What credentials exist: names tied to a type and a secret, validated at start-up. */
package dev.tokenbroker.credential;
