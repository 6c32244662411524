# Sourced by bin/ephemera and bin/ephemera-train (they must agree: a start-up archive is used only with the class path it
# was made with). Sets $classpath from $lib: Ephemera's own jars and picocli first, then every jar of lib/.
# Order matters for start-up: a class or resource that is not in the start-up archive is looked up jar by jar, in this
# order, and opening a jar costs (lib/ holds over a hundred); Ephemera's classes, the version text and the command model
# are then found in the first few. A jar listed here and matched again by lib/* is opened once.
classpath=""
for j in "$lib"/app-cli-*.jar "$lib"/picocli-*.jar "$lib"/domain-*.jar "$lib"/ports-*.jar "$lib"/application-*.jar \
    "$lib"/bootstrap-*.jar "$lib"/retry-*.jar "$lib"/adapters-*.jar "$lib"/app-server-*.jar; do
  if [ -f "$j" ]; then classpath="$classpath$j:"; fi
done
classpath="$classpath$lib/*"
