/**
 * One healthy preset run for healthy.test.ts, in its own process so that the two presets train in parallel on two
 * cores: `node --import tsx test/diagnostics/healthy-run.ts CartPole-v1 100000` prints one JSON line with the result.
 */
import { cleanup, train } from "./harness";

async function main(): Promise<void> {
  const [env, steps] = process.argv.slice(2);
  const r = await train(env, { totalTimesteps: Number(steps), seed: 1, backend: "wasm" });
  const last = r.rows[r.rows.length - 1];
  const out = {
    env,
    status: r.status,
    errors: r.errors,
    updates: r.rows.length,
    wallSeconds: r.wallSeconds,
    epRewMean: last?.ep_rew_mean ?? null,
    findings: r.findings.map((f) => ({ id: f.id, severity: f.severity, update: f.update, title: f.title })),
  };
  cleanup();
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(String((e as Error)?.stack ?? e) + "\n");
  process.exitCode = 1;
});
