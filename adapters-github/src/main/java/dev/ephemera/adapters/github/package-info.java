/**
 * GitHub adapter: App authentication (RS256 JWT, installation tokens) or a plain token, Actions
 * secrets sealed with libsodium's sealed box, one kept-up-to-date pull request comment per
 * marker, commit statuses, and webhook verification. Speaks to the REST API through the JDK
 * {@code HttpClient} with bounded, jittered retries that honour GitHub's rate limits.
 */
package dev.ephemera.adapters.github;
