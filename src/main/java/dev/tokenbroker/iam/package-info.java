/** IAM access tokens minted from IBM Cloud API keys. Knows nothing of callers or caching. */
package dev.tokenbroker.iam;
