package dev.ephemera.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Prints a command's result as a table, JSON or YAML. Records, maps and lists are turned into a
 * JSON tree first, so all three formats show the same fields.
 */
final class Rendering {
    static final ObjectMapper JSON = JsonMapper.builder().addModule(new Jdk8Module()).addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT).build();
    /** Made on first use, so only {@code --output yaml} loads the YAML writer. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
                .registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    }

    private Rendering() {
    }

    static void render(Object data, OutputFormat format, PrintWriter out) {
        try {
            switch (format) {
                case JSON -> out.println(JSON.writeValueAsString(data));
                case YAML -> out.print(Yaml.MAPPER.writeValueAsString(data));
                case TABLE -> table(JSON.valueToTree(data), out);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render result: " + e.getMessage(), e);
        }
        out.flush();
    }

    private static void table(JsonNode node, PrintWriter out) {
        if (node.isArray()) {
            List<JsonNode> rows = new ArrayList<>();
            node.forEach(rows::add);
            if (rows.isEmpty()) {
                out.println("(none)");
                return;
            }
            if (!rows.get(0).isObject()) {
                rows.forEach(r -> out.println(scalar(r)));
                return;
            }
            Set<String> cols = new LinkedHashSet<>();
            rows.forEach(r -> r.fieldNames().forEachRemaining(cols::add));
            List<String> headers = new ArrayList<>(cols);
            List<List<String>> cells = new ArrayList<>();
            for (JsonNode r : rows) {
                List<String> line = new ArrayList<>();
                for (String c : headers) {
                    line.add(r.has(c) ? scalar(r.get(c)) : "");
                }
                cells.add(line);
            }
            printColumns(headers.stream().map(h -> h.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT)).toList(), cells, out);
        } else if (node.isObject()) {
            int width = 0;
            for (Iterator<String> it = node.fieldNames(); it.hasNext();) {
                width = Math.max(width, it.next().length());
            }
            ObjectNode o = (ObjectNode) node;
            int w = width;
            o.fields().forEachRemaining(e -> out.println(pad(e.getKey() + ":", w + 1) + " " + scalar(e.getValue())));
        } else {
            out.println(scalar(node));
        }
    }

    private static String scalar(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "";
        }
        if (v.isValueNode()) {
            return v.asText();
        }
        if (v.isArray() && v.size() > 0 && v.get(0).isValueNode()) {
            List<String> parts = new ArrayList<>();
            v.forEach(x -> parts.add(x.asText()));
            return String.join(",", parts);
        }
        return v.toString();
    }

    private static void printColumns(List<String> headers, List<List<String>> rows, PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < headers.size(); i++) {
            widths[i] = headers.get(i).length();
            for (List<String> r : rows) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        }
        out.println(line(headers, widths));
        rows.forEach(r -> out.println(line(r, widths)));
    }

    private static String line(List<String> cells, int[] widths) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            b.append(i == cells.size() - 1 ? cells.get(i) : pad(cells.get(i), widths[i]) + "  ");
        }
        return b.toString().stripTrailing();
    }

    private static String pad(String s, int w) {
        return s.length() >= w ? s : s + " ".repeat(w - s.length());
    }
}
