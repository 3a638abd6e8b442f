/** The single-flight, refresh-ahead, stale-while-valid cache shared by IAM tokens and WIoTP keys. */
package dev.tokenbroker.cache;
