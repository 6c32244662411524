/** The error hierarchy: one exception rooted in a code, shared by every layer. */
package dev.ephemera.domain.error;
