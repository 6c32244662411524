/**
 * Contract kits: one abstract JUnit 5 class per port that every adapter's test extends, so the
 * same behaviour is demanded of SQLite, Vault, Kubernetes and in-memory stores alike.
 */
package dev.ephemera.testkit.contract;
