// CartPole-v1 whose observations are reported in thousandths (x1000), trained without normalizeObservation.
import CartPole from "../../../examples/cartpole";

export const maxEpisodeSteps = 500;

const scale = (obs: number[]) => obs.map((v) => v * 1000);

export default class CartPoleBigObs extends CartPole {
  override observationSpace = { type: "Box" as const, low: [-1e6, -1e9, -1e6, -1e9], high: [1e6, 1e9, 1e6, 1e9], shape: [4] };
  override reset(options?: { seed?: number }) {
    const r = super.reset(options);
    return { ...r, observation: scale(r.observation) };
  }
  override step(action: number | number[]) {
    const r = super.step(action);
    return { ...r, observation: scale(r.observation) };
  }
}
