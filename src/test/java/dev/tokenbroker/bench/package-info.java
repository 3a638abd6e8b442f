/** Load drivers run by hand (see docs/benchmarks.md); not part of the test suite. */
package dev.tokenbroker.bench;
