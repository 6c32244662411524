package dev.ephemera.adapters.github;

import java.util.LinkedHashMap;
import java.util.Map;

/** The most recent delivery ids, oldest forgotten first: enough to recognise GitHub's redeliveries in bounded memory. */
final class RecentDeliveries {
    private final int capacity;
    private final LinkedHashMap<String, Boolean> ids;

    RecentDeliveries(int capacity) {
        this.capacity = capacity;
        this.ids = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > RecentDeliveries.this.capacity;
            }
        };
    }

    /** Records {@code id}; false if it was already there (a redelivery). */
    synchronized boolean add(String id) {
        return ids.putIfAbsent(id, Boolean.TRUE) == null;
    }

    synchronized boolean contains(String id) {
        return ids.containsKey(id);
    }

    synchronized int size() {
        return ids.size();
    }
}
