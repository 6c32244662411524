/** Warm pools: keeping Ready clusters per pool, handing one to a claim, hibernating idle ones. */
package dev.ephemera.application.warmpool;
