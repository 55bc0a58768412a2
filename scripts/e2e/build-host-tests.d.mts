export function buildHostTests(outDir: string): Promise<{ dir: string; entry: string; resultFile: string }>;
