/** Warm pools: clusters kept Ready ahead of claims, their settings and the labels that mark members. */
package dev.ephemera.domain.warmpool;
