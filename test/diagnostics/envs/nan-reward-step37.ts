// Returns a NaN reward on the 37th step of each env copy (the mean of an empty list, 0 / 0); otherwise a small
// 2-action task. Episodes last 20 steps (truncated), so step 37 is step 17 of the second episode.
export const maxEpisodeSteps = 20;

export default class NaNAt37 {
  observationSpace = { type: "Box" as const, low: [0, -1], high: [1, 1], shape: [2] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private t = 0;
  private total = 0;
  reset(_options?: { seed?: number }) {
    this.t = 0;
    return { observation: [0, 0] };
  }
  step(action: number) {
    this.t += 1;
    this.total += 1;
    const hits: number[] = this.total === 37 ? [] : [action === 1 ? 1 : 0];
    const reward = hits.reduce((a, b) => a + b, 0) / hits.length;
    return { observation: [this.t / maxEpisodeSteps, action === 1 ? 1 : -1], reward, terminated: false, truncated: false };
  }
}
