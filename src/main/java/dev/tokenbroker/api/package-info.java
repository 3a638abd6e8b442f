/** The caller-facing HTTP surface: {@code /v1} endpoints, request ids and RFC 9457 problem details. */
package dev.tokenbroker.api;
