/** Secret values that never print themselves. */
package dev.ephemera.domain.secret;
