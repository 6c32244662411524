package dev.ephemera.ports.state;

import dev.ephemera.ports.spi.AdapterFactory;

/** Makes a {@link DeliveryInbox}; the server uses the one named like {@code state:}. */
public interface DeliveryInboxFactory extends AdapterFactory<DeliveryInbox> {
}
