/**
 * The few types every feature shares: {@link dev.tokenbroker.support.Secret}, upstream error and retry types, and
 * {@link dev.tokenbroker.support.CheckedProperties}, the start-up check of each feature's properties.
 */
package dev.tokenbroker.support;
