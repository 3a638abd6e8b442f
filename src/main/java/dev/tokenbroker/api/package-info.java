/**
 * The caller-facing HTTP surface: {@code /v1} endpoints, the drop-in token endpoints (the IAM-compatible facade and
 * RFC 8693 token exchange), request ids and error rendering.
 */
package dev.tokenbroker.api;
