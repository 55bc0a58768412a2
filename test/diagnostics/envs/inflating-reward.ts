// The reward is multiplied by 10 every 100 steps of the env copy (a bonus counter that is never reset): the value
// targets grow by orders of magnitude during training.
export const maxEpisodeSteps = 20;

export default class InflatingReward {
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
    const reward = (action === 1 ? 1 : 0.5) * Math.pow(10, Math.floor(this.total / 100));
    return { observation: [this.t / maxEpisodeSteps], reward, terminated: false, truncated: false };
  }
}
