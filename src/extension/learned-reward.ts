/**
 * The overrides of "PPO Lab: Train on Learned Reward": the new run trains on the reward model fitted on a rated
 * run, with that run's algorithm. Fine-tuning takes the RLHF shape (Ziegler et al. 2019; "The N Implementation
 * Details of RLHF with PPO"): start from the rated run's newest checkpoint and stay close to it. For PPO that is the
 * adaptive KL penalty to the reference policy as a per-step reward; GRPO keeps its own KL-to-reference term in the
 * loss (grpo.klCoef, with the initFrom checkpoint as the reference), since klPenalty against the reference is a
 * config error there. No `vscode`: the command in extension.ts asks the questions.
 */
import type { PPOConfig } from "../core/ppo/config";
import { DEFAULT_KL_PENALTY } from "../core/ppo/kl-controller";
import { runKind } from "../run-kind";

/**
 * @param modelFile the reward model (`<ratedRunDir>/reward-model.json`)
 * @param ratedRunDir the run whose ratings fitted it (its checkpoint is the start and reference when fine-tuning)
 * @param ratedRunConfig the rated run's resolved config (run.json `config`); its `algorithm` is kept
 * @param fineTune start from the rated run's policy with a KL term to it, instead of a fresh policy
 */
export function learnedRewardOverrides(modelFile: string, ratedRunDir: string, ratedRunConfig: unknown, fineTune: boolean): Partial<PPOConfig> {
  const { algorithm } = runKind(ratedRunConfig);
  const overrides: Partial<PPOConfig> = { rewardModel: modelFile, algorithm };
  if (!fineTune) return overrides;
  if (algorithm === "grpo") return { ...overrides, initFrom: ratedRunDir };
  return { ...overrides, initFrom: ratedRunDir, referencePolicy: "initial", klPenalty: { ...DEFAULT_KL_PENALTY, mode: "adaptive", against: "reference" } };
}
