/** The few types every feature shares: {@link dev.tokenbroker.support.Secret} and upstream error and retry types. */
package dev.tokenbroker.support;
