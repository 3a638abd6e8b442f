/** Operations: health indicators, the tokens actuator endpoint and metrics. */
package dev.tokenbroker.ops;
