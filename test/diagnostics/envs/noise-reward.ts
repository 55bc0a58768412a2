// The reward is pure noise, unrelated to the action: single episodes sometimes score well, the mean never improves.
export const maxEpisodeSteps = 20;

export default class NoiseReward {
  observationSpace = { type: "Box" as const, low: [0], high: [1], shape: [1] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private t = 0;
  private s = 12345;
  constructor(options?: { seed?: number }) {
    if (options?.seed !== undefined) this.s = options.seed;
  }
  private uniform(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    return this.s / 4294967296;
  }
  reset(options?: { seed?: number }) {
    if (options?.seed !== undefined) this.s = (options.seed * 7919 + 1) >>> 0;
    this.t = 0;
    return { observation: [0] };
  }
  step(_action: number) {
    this.t += 1;
    return { observation: [this.t / maxEpisodeSteps], reward: this.uniform(), terminated: false, truncated: false };
  }
}
