/**
 * Runs the in-host suite (test/e2e/host) inside code-server's extension host through the web workbench's `payload`
 * URL parameter (`extensionDevelopmentPath` + `extensionTestsPath`; the same mechanism @vscode/test-web uses), and
 * reads the result file the in-host runner writes. The page never closes by itself, so the file is the contract.
 */
import * as fs from "node:fs";
import { buildHostTests } from "../../../scripts/e2e/build-host-tests.mjs";
import type { HostResults } from "../host/runner";
import { type Session, waitFor } from "./session";

export type { HostResults };

function readResults(file: string): HostResults | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as HostResults;
  } catch {
    return undefined; // not written yet (writes are atomic renames, so never half a file)
  }
}

/** Bundles the suite into the session, opens the workbench with it as extension tests, waits for `done`. */
export async function runHostTestsInCodeServer(session: Session, timeoutMs: number, log: (m: string) => void = () => {}): Promise<HostResults> {
  const { dir, entry, resultFile } = await buildHostTests(session.hostTestsDir);
  const payload: [string, string][] = [
    ["extensionDevelopmentPath", session.remoteUri(dir)],
    ["extensionTestsPath", session.remoteUri(entry)],
  ];
  await session.openBrowser(session.workbenchUrl(payload));
  let reported = 0;
  return waitFor(`extension-host tests to finish (${resultFile})`, timeoutMs, () => {
    if (!session.codeServerRunning()) throw new Error("code-server exited while the extension-host tests ran");
    const r = readResults(resultFile);
    for (const t of r?.tests.slice(reported) ?? []) log(`in host: ${t.status} ${t.name} (${t.durationMs} ms)`);
    reported = r?.tests.length ?? reported;
    return r?.done ? r : undefined;
  }, session.signal);
}

/** One readable paragraph per failed test (or the runner's own error). */
export function describeFailures(r: HostResults): string {
  const parts = r.tests.filter((t) => t.status === "failed").map((t) => `- ${t.name}\n${t.error ?? ""}`);
  if (r.runnerError) parts.unshift(`- runner error\n${r.runnerError}`);
  return parts.join("\n");
}
