/**
 * The one retry and backoff policy of Ephemera, shared by the application and the adapters:
 * {@link dev.ephemera.retry.RetryPolicy} (bounded attempts, jittered capped exponential backoff),
 * {@link dev.ephemera.retry.Retrier} (runs attempts on resilience4j-retry, honouring waits a
 * server names), {@link dev.ephemera.retry.ServerWait} ({@code Retry-After}, UNIX-time resets)
 * and {@link dev.ephemera.retry.Sleeper} (the one seam for waits).
 */
package dev.ephemera.retry;
