/** Port: the code host (pull request comments, commit statuses) and the events its webhooks deliver. */
package dev.ephemera.ports.codehost;
