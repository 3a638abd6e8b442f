/**
 * What can go wrong for a caller, as one sealed family of exceptions ({@link dev.tokenbroker.problem.BrokerException}):
 * each carries its problem type from the catalogue ({@link dev.tokenbroker.problem.ProblemType}), hence its HTTP status
 * and its audit reason, and is a Spring {@link org.springframework.web.ErrorResponse}. The features throw them; the
 * HTTP surface renders them in the shape each endpoint speaks (problem details, IAM's errors, RFC 6749's).
 */
package dev.tokenbroker.problem;
