// 10-step episodes, reward 1 for the "right" action; which action is right flips after 1000 steps of the env copy
// (a bug keyed on a global counter). The return the agent learned collapses.
export const maxEpisodeSteps = 10;

export default class FlippingBandit {
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
    const right = this.total < 1000 ? 0 : 1;
    return { observation: [this.t / maxEpisodeSteps], reward: action === right ? 1 : 0, terminated: false, truncated: false };
  }
}
