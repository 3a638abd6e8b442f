package dev.tokenbroker.caller;

import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * A configured JWT issuer as the authentication manager uses it.
 *
 * @param callerPrefix put in front of a token's {@code sub} to make the caller id (may be empty)
 * @param decoder verifies the issuer's tokens: signature, {@code iss}, {@code aud}, lifetime
 */
record TrustedIssuer(String callerPrefix, ReactiveJwtDecoder decoder) {}
