/** File sinks for sidecar mode: credentials written atomically to files, rewritten on every refresh. */
package dev.tokenbroker.sink;
