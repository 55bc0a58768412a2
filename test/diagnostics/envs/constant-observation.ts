// The observation never changes and the reward is always 0; with gamma 0 every advantage is exactly -V(s).
export const maxEpisodeSteps = 10;

export default class ConstantObservation {
  observationSpace = { type: "Box" as const, low: [0], high: [1], shape: [1] };
  actionSpace = { type: "Discrete" as const, n: 3 };
  reset(_options?: { seed?: number }) {
    return { observation: [0.5] };
  }
  step(_action: number) {
    return { observation: [0.5], reward: 0, terminated: false, truncated: false };
  }
}
