/** Who is calling and what they may have: authentication, client keys and the default-deny policy. */
package dev.tokenbroker.caller;
