/**
 * The embedded defaults: cluster records, credentials and IP pools in one SQLite file under
 * {@code $XDG_STATE_HOME/ephemera/}, and a secret sink writing {@code 0600} files. Nothing to
 * install or run besides the JVM.
 */
package dev.ephemera.adapters.embedded;
