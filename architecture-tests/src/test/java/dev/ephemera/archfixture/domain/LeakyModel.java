package dev.ephemera.archfixture.domain;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Fixture for the architecture test: a "domain" class that imports Jackson, which the domain rule must refuse. */
public final class LeakyModel {
    private final ObjectMapper mapper = new ObjectMapper();

    public String json(Object o) throws Exception {
        return mapper.writeValueAsString(o);
    }
}
