/**
 * The broker's HTTP servers' own defences, on both ports (caller API and actuator): timeouts for slow or idle
 * clients, a per-address connection limit, and a record of the status each request was actually answered with.
 */
package dev.tokenbroker.edge;
