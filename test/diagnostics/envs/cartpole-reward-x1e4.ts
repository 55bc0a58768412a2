// CartPole-v1 with every reward multiplied by 10,000 (a reward in the wrong unit), trained without normalizeReward.
import CartPole from "../../../examples/cartpole";

export const maxEpisodeSteps = 500;

export default class CartPoleBigReward extends CartPole {
  override step(action: number | number[]) {
    const r = super.step(action);
    return { ...r, reward: r.reward * 1e4 };
  }
}
