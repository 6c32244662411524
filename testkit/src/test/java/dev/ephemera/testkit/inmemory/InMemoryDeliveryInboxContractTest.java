package dev.ephemera.testkit.inmemory;

import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.testkit.contract.DeliveryInboxContract;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The in-memory delivery inbox")
class InMemoryDeliveryInboxContractTest extends DeliveryInboxContract {
    @Override
    protected DeliveryInbox newInbox() {
        return new InMemoryDeliveryInbox();
    }

    @Override
    protected DeliveryInbox reopen(DeliveryInbox inbox) {
        return inbox;
    }
}
