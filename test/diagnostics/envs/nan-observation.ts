// observation[1] becomes NaN (sqrt of a negative number) on the 150th step of each env copy.
export const maxEpisodeSteps = 25;

export default class NaNObservation {
  observationSpace = { type: "Box" as const, low: [0, 0], high: [1, 10], shape: [2] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private t = 0;
  private total = 0;
  reset(_options?: { seed?: number }) {
    this.t = 0;
    return { observation: [0, 1] };
  }
  step(action: number) {
    this.t += 1;
    this.total += 1;
    const energy = this.total === 150 ? -1 : 1;
    return { observation: [this.t / maxEpisodeSteps, Math.sqrt(energy)], reward: action, terminated: false, truncated: false };
  }
}
