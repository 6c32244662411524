package dev.ephemera.testkit.fake.hetzner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hetzner's label selector language: {@code k=v}, {@code k==v}, {@code k!=v}, {@code k},
 * {@code !k}, {@code k in (a,b)}, {@code k notin (a,b)}, joined by commas (all must hold).
 */
final class LabelSelector {
    private static final Pattern SET = Pattern.compile("\\s*([^\\s!=,()]+)\\s+(in|notin)\\s+\\(([^)]*)\\)\\s*");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9./_-]+");

    private LabelSelector() {
    }

    /** Parses a selector; throws {@link IllegalArgumentException} with a message Hetzner-like enough for invalid_input. */
    static Predicate<Map<String, String>> parse(String selector) {
        List<Predicate<Map<String, String>>> parts = new ArrayList<>();
        for (String term : split(selector)) {
            String t = term.trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("empty term in label selector '" + selector + "'");
            }
            Matcher set = SET.matcher(t);
            if (set.matches()) {
                String key = set.group(1);
                Set<String> values = Set.copyOf(List.of(set.group(3).trim().split("\\s*,\\s*")));
                boolean in = set.group(2).equals("in");
                parts.add(l -> in == (l.containsKey(key) && values.contains(l.get(key))));
            } else if (t.contains("!=")) {
                String[] kv = t.split("!=", 2);
                String key = key(kv[0], selector);
                String value = kv[1].trim();
                parts.add(l -> !value.equals(l.get(key)));
            } else if (t.contains("=")) {
                String[] kv = t.contains("==") ? t.split("==", 2) : t.split("=", 2);
                String key = key(kv[0], selector);
                String value = kv[1].trim();
                parts.add(l -> value.equals(l.get(key)));
            } else if (t.startsWith("!")) {
                String key = key(t.substring(1), selector);
                parts.add(l -> !l.containsKey(key));
            } else {
                String key = key(t, selector);
                parts.add(l -> l.containsKey(key));
            }
        }
        return l -> parts.stream().allMatch(p -> p.test(l));
    }

    private static String key(String raw, String selector) {
        String k = raw.trim();
        if (!KEY.matcher(k).matches()) {
            throw new IllegalArgumentException("invalid label key '" + k + "' in label selector '" + selector + "'");
        }
        return k;
    }

    /** Splits on commas outside parentheses. */
    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
