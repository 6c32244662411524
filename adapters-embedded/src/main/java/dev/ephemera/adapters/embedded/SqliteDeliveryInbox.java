package dev.ephemera.adapters.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.codehost.CodeHostEvent;
import dev.ephemera.ports.codehost.PullRequestAction;
import dev.ephemera.ports.codehost.PullRequestEvent;
import dev.ephemera.ports.codehost.RepositoryDispatchEvent;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.ports.state.DeliveryInbox;
import dev.ephemera.ports.state.StoredDelivery;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Code host deliveries in the same SQLite file as the cluster records, in their own table
 * {@code deliveries} (created on open if missing, so older files gain it without a schema bump).
 * The delivery id is the primary key: {@code INSERT OR IGNORE} makes a redelivery a no-op. Events
 * are stored as JSON written field by field, so the stored form does not shift with the records.
 */
public final class SqliteDeliveryInbox implements DeliveryInbox, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqliteDatabase db;

    private SqliteDeliveryInbox(SqliteDatabase db) {
        this.db = db;
        db.write("create the deliveries table", c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, received_at TEXT NOT NULL, event TEXT NOT NULL,"
                        + " attempts INTEGER NOT NULL DEFAULT 0, done_at TEXT, outcome TEXT NOT NULL DEFAULT '') STRICT");
                s.executeUpdate("CREATE INDEX IF NOT EXISTS deliveries_pending ON deliveries(received_at) WHERE done_at IS NULL");
            }
            return null;
        });
    }

    public static SqliteDeliveryInbox open(SqliteSettings settings) {
        SqliteDatabase db = SqliteDatabase.open(settings);
        try {
            return new SqliteDeliveryInbox(db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public boolean offer(CodeHostEvent event, Instant receivedAt) {
        String json = toJson(event);
        return db.write("store delivery", c -> {
            try (PreparedStatement p = c.prepareStatement("INSERT OR IGNORE INTO deliveries (id, received_at, event) VALUES (?, ?, ?)")) {
                p.setString(1, event.deliveryId());
                p.setString(2, receivedAt.toString());
                p.setString(3, json);
                return p.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<StoredDelivery> pending(int max) {
        return db.read("list pending deliveries", c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT id, received_at, event, attempts, done_at, outcome FROM deliveries"
                    + " WHERE done_at IS NULL ORDER BY received_at, id LIMIT ?")) {
                p.setInt(1, Math.max(0, max));
                List<StoredDelivery> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public Optional<StoredDelivery> find(String deliveryId) {
        return db.read("find delivery", c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT id, received_at, event, attempts, done_at, outcome FROM deliveries WHERE id = ?")) {
                p.setString(1, deliveryId);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? Optional.of(row(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void done(String deliveryId, Instant at, String outcome) {
        db.write("finish delivery", c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE deliveries SET done_at = ?, outcome = ? WHERE id = ? AND done_at IS NULL")) {
                p.setString(1, at.toString());
                p.setString(2, outcome == null ? "" : outcome);
                p.setString(3, deliveryId);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void failed(String deliveryId, String error) {
        db.write("count failed delivery", c -> {
            try (PreparedStatement p = c.prepareStatement("UPDATE deliveries SET attempts = attempts + 1, outcome = ? WHERE id = ? AND done_at IS NULL")) {
                p.setString(1, error == null ? "" : error);
                p.setString(2, deliveryId);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public Optional<String> lastHeadSha(String repository, int number) {
        // Events are stored as JSON written field by field (toJson): SQLite's JSON functions read them where they lie.
        return db.read("find the head commit of a pull request", c -> {
            try (PreparedStatement p = c.prepareStatement("SELECT json_extract(event, '$.head_sha') FROM deliveries"
                    + " WHERE json_extract(event, '$.kind') = 'pull_request' AND lower(json_extract(event, '$.repository')) = lower(?)"
                    + " AND json_extract(event, '$.number') = ? AND json_extract(event, '$.head_sha') <> ''"
                    + " ORDER BY received_at DESC, rowid DESC LIMIT 1")) {
                p.setString(1, repository);
                p.setInt(2, number);
                try (ResultSet rs = p.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Health health() {
        return db.health();
    }

    @Override
    public void close() {
        db.close();
    }

    private static StoredDelivery row(ResultSet rs) throws SQLException {
        return new StoredDelivery(fromJson(rs.getString("id"), rs.getString("event")), Instant.parse(rs.getString("received_at")),
                rs.getInt("attempts"), Optional.ofNullable(rs.getString("done_at")).map(Instant::parse), rs.getString("outcome"));
    }

    static String toJson(CodeHostEvent event) {
        ObjectNode n = JSON.createObjectNode();
        n.put("repository", event.repository());
        event.installationId().ifPresent(i -> n.put("installation", i));
        if (event instanceof PullRequestEvent e) {
            n.put("kind", "pull_request").put("number", e.number()).put("action", e.action().name()).put("merged", e.merged())
                    .put("head_sha", e.headSha()).put("head_ref", e.headRef()).put("base_ref", e.baseRef()).put("sender", e.sender())
                    .put("from_fork", e.fromFork()).put("draft", e.draft());
            e.label().ifPresent(l -> n.put("label", l));
            e.labels().stream().sorted().forEach(n.putArray("labels")::add);
        } else if (event instanceof RepositoryDispatchEvent e) {
            n.put("kind", "repository_dispatch").put("event_type", e.eventType()).put("client_payload", e.clientPayloadJson())
                    .put("sender", e.sender());
            ObjectNode fields = n.putObject("payload_fields");
            e.payloadFields().forEach(fields::put);
        }
        return n.toString();
    }

    static CodeHostEvent fromJson(String id, String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw EphemeraException.invalid("stored delivery " + id + " is not readable JSON: " + e.getMessage());
        }
        Optional<Long> installation = n.hasNonNull("installation") ? Optional.of(n.get("installation").asLong()) : Optional.empty();
        String repo = n.path("repository").asText();
        return switch (n.path("kind").asText()) {
            case "pull_request" -> {
                TreeSet<String> labels = new TreeSet<>();
                n.path("labels").forEach(l -> labels.add(l.asText()));
                yield new PullRequestEvent(id, repo, n.path("number").asInt(), PullRequestAction.valueOf(n.path("action").asText()),
                        n.path("merged").asBoolean(), n.path("head_sha").asText(), n.path("head_ref").asText(), n.path("base_ref").asText(),
                        n.path("sender").asText(), installation, labels, Optional.ofNullable(n.get("label")).map(JsonNode::asText),
                        n.path("from_fork").asBoolean(), n.path("draft").asBoolean());
            }
            case "repository_dispatch" -> {
                java.util.Map<String, String> fields = new java.util.TreeMap<>();
                n.path("payload_fields").fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
                yield new RepositoryDispatchEvent(id, repo, n.path("event_type").asText(), n.path("client_payload").asText(),
                        n.path("sender").asText(), installation, fields);
            }
            default -> throw EphemeraException.invalid("stored delivery " + id + " has an unknown kind '" + n.path("kind").asText() + "'");
        };
    }
}
