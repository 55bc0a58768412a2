// A goal-reaching task whose reward is always 0 (the goal bonus was never wired up): episodes terminate at the goal
// or are cut at 50 steps, but nothing tells the agent which is better.
export const maxEpisodeSteps = 50;

export default class ZeroReward {
  observationSpace = { type: "Box" as const, low: [-10], high: [10], shape: [1] };
  actionSpace = { type: "Discrete" as const, n: 2 };
  private x = 0;
  reset(_options?: { seed?: number }) {
    this.x = 0;
    return { observation: [this.x] };
  }
  step(action: number) {
    this.x += action === 1 ? 1 : -1;
    const atGoal = this.x >= 5;
    return { observation: [this.x], reward: 0, terminated: atGoal || this.x <= -5, truncated: false };
  }
}
