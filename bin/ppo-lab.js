#!/usr/bin/env node
"use strict";
// Entry of the `ppo-lab` command: runs the bundled CLI (build it first with `npm run build`).
const path = require("node:path");
const fs = require("node:fs");
const cli = path.join(__dirname, "..", "dist", "cli.js");
if (!fs.existsSync(cli)) {
  process.stderr.write(`ppo-lab: ${cli} is missing; run "npm run build" in ${path.join(__dirname, "..")} first\n`);
  process.exit(2);
}
require(cli)
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`ppo-lab: ${e && e.stack ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
