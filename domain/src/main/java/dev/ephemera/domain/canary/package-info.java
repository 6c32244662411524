/** Canary verification: the test Job's name rule, verdicts and how a mode answers Flagger. */
package dev.ephemera.domain.canary;
