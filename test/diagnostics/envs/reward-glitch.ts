// A 2-action task with a reward glitch: on steps 1200 and 1232 of each env copy the reward is 5000 instead of 0 or 1
// (a sensor spike). Rewards are not normalised.
export const maxEpisodeSteps = 20;

export default class RewardGlitch {
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
    const glitch = this.total === 1200 || this.total === 1232;
    return { observation: [this.t / maxEpisodeSteps], reward: glitch ? 5000 : action === 1 ? 1 : 0, terminated: false, truncated: false };
  }
}
