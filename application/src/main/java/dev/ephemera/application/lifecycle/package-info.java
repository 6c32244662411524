/**
 * The pull request lifecycle (seeds 003 and 000): durable code-host deliveries become claims and
 * releases; one upserted comment and one commit status per pull request follow the cluster.
 */
package dev.ephemera.application.lifecycle;
