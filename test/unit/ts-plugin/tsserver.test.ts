// The plugin as VS Code starts it: a real tsserver process loading "ppo-lab-ts-plugin" by name from the extension
// folder (--globalPlugins / --pluginProbeLocations, the arguments VS Code passes for contributes.typescriptServerPlugins),
// here the checkout, whose node_modules/ppo-lab-ts-plugin npm run build keeps current.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..", "..");
const tsserver = require.resolve("typescript/lib/tsserver.js");

/** Opens `file` in a fresh tsserver (loose file, inferred project) and returns its semantic diagnostics' texts. */
function semanticDiagnostics(file: string, extraArgs: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [tsserver, "--useInferredProjectPerProjectRoot", "--disableAutomaticTypingAcquisition", ...extraArgs], { stdio: ["pipe", "pipe", "inherit"] });
    const timer = setTimeout(() => {
      server.kill();
      reject(new Error("tsserver gave no diagnostics within 60 s"));
    }, 60_000);
    let buffered = "";
    server.stdout.setEncoding("utf8");
    server.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split("\n")) {
        if (!line.startsWith("{")) continue;
        const message = JSON.parse(line) as { type: string; command?: string; success?: boolean; body?: Array<{ text: string }>; message?: string };
        if (message.type === "response" && message.command === "semanticDiagnosticsSync") {
          clearTimeout(timer);
          server.kill();
          if (message.success) resolve(message.body!.map((d) => d.text));
          else reject(new Error(`tsserver: ${message.message}`));
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
    });
    server.on("error", reject);
    const send = (seq: number, command: string, args: unknown) => server.stdin.write(JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n");
    send(1, "compilerOptionsForInferredProjects", { options: { target: "ES2022", module: "ESNext", strict: true } });
    send(2, "open", { file, projectRootPath: path.dirname(file) });
    send(3, "semanticDiagnosticsSync", { file });
  });
}

test("tsserver loads the plugin by name from the extension folder: 'ppo-lab' resolves, types are checked", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ppo-lab-tsserver-"));
  try {
    const file = path.join(dir, "env.ts");
    fs.writeFileSync(
      file,
      `import type { StepResult } from "ppo-lab";\nimport { discrete } from "ppo-lab";\nexport const actionSpace = discrete(3);\n` +
        `export function step(): StepResult {\n  return { observation: [0], reward: "high", terminated: false, truncated: false };\n}\n`,
    );
    // Without the plugin this file reads ["Cannot find module 'ppo-lab'..."] (ts-plugin.test.ts checks that case).
    const withPlugin = await semanticDiagnostics(file, ["--globalPlugins", "ppo-lab-ts-plugin", "--pluginProbeLocations", root]);
    assert.deepEqual(withPlugin, ["Type 'string' is not assignable to type 'number'."], "only the wrong reward is reported");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
