/** Use case: answering Flagger's webhook from a canary's test Job, in gate or seed mode. */
package dev.ephemera.application.canary;
