// A reward of 1e38 (finite in float64, but float32 returns overflow to Infinity) on the 150th step of each env copy:
// the env passes the finiteness check, the value loss does not.
export const maxEpisodeSteps = 25;

export default class HugeReward {
  observationSpace = { type: "Box" as const, low: [0], high: [1], shape: [1] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private t = 0;
  private total = 0;
  reset(_options?: { seed?: number }) {
    this.t = 0;
    return { observation: [0] };
  }
  step(action: number) {
    this.t += 1;
    this.total += 1;
    const reward = this.total === 150 ? 1e38 : action;
    return { observation: [this.t / maxEpisodeSteps], reward, terminated: false, truncated: false };
  }
}
