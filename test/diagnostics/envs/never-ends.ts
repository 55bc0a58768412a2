// A task without a terminal state and without maxEpisodeSteps: no episode ever ends.
export default class NeverEnds {
  observationSpace = { type: "Box" as const, low: [-1], high: [1], shape: [1] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private x = 0;
  reset(_options?: { seed?: number }) {
    this.x = 0;
    return { observation: [this.x] };
  }
  step(action: number) {
    this.x = action === 1 ? 1 : -1;
    return { observation: [this.x], reward: action === 1 ? 1 : 0, terminated: false, truncated: false };
  }
}
