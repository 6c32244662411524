package dev.ephemera.ports.codehost;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes {@link CodeHostWebhooks} for the server's webhook route; named like the code host ({@code github}). */
public interface CodeHostWebhooksFactory extends AdapterFactory<CodeHostWebhooks> {
}
