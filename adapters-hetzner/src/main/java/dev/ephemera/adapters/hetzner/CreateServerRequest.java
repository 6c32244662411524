package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.secret.Secret;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What {@code POST /servers} is sent. The user data carries CA keys, so it is a {@link Secret} and
 * this record's {@code toString} leaves it out.
 */
public record CreateServerRequest(String name, String serverType, String image, String location, Map<String, String> labels,
                                  Secret userData, List<String> sshKeys, List<Long> firewalls, OptionalLong primaryIpv4) {
    public CreateServerRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(serverType, "serverType");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(userData, "userData");
        labels = Map.copyOf(labels);
        sshKeys = List.copyOf(sshKeys);
        firewalls = List.copyOf(firewalls);
        primaryIpv4 = primaryIpv4 == null ? OptionalLong.empty() : primaryIpv4;
    }

    @Override
    public String toString() {
        return "CreateServerRequest[name=" + name + ", serverType=" + serverType + ", image=" + image + ", location="
                + location + ", labels=" + labels + ", userData=<" + userData.length() + " bytes, redacted>]";
    }
}
