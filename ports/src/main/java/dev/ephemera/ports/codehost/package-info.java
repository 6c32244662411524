/** Port: the code host (pull request comments, commit statuses). */
package dev.ephemera.ports.codehost;
