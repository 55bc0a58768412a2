/**
 * When a run records episode replays: the `replays` object of the PPO config (`config.replays`), its defaults and its
 * JSON schema. A partial object in a config layer is merged key by key over the layers below it.
 *
 * No imports: `core/ppo/config.ts` imports this module.
 */

export interface ReplaySettings {
  /** Record replays at all (periodic, best/worst and on request). */
  enabled: boolean;
  /**
   * Record one episode every this many updates (plus after the first and the last update). 0 = auto: about
   * {@link AUTO_PERIODIC_REPLAYS} over the run, i.e. every ceil(totalUpdates / 8) updates.
   */
  everyUpdates: number;
  /**
   * Keep a "best" replay: the recorded episode with the highest return so far. A recorded (periodic or requested)
   * episode that beats it becomes the new best; so does an extra recording made when a training episode's return beats
   * it (checked after each update, at most one extra recording every `everyUpdates / 4` updates).
   */
  best: boolean;
  /** Keep a "worst" replay: the recorded episode with the lowest return so far (same rules as `best`, reversed). */
  worst: boolean;
  /** Periodic and best/worst recordings take the most likely action instead of sampling (default false: sampled). */
  deterministic: boolean;
  /** Most replays a run keeps; the oldest periodic ones are dropped first. */
  maxCount: number;
  /** Most bytes the replay files of a run take together; the oldest periodic ones are dropped first. */
  maxBytes: number;
}

/** Periodic replays over a run when `everyUpdates` is 0 (auto). */
export const AUTO_PERIODIC_REPLAYS = 8;

export const DEFAULT_REPLAYS: ReplaySettings = {
  enabled: true,
  everyUpdates: 0,
  best: true,
  worst: true,
  deterministic: false,
  maxCount: 30,
  maxBytes: 64 * 1024 * 1024,
};

export const REPLAYS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  description: "Episode replays recorded during training (run directory replays/); omitted keys keep their defaults.",
  properties: {
    enabled: { type: "boolean", description: "Record episode replays (periodic, best, worst, and on request)." },
    everyUpdates: { type: "integer", minimum: 0, description: "Record one episode every N updates; 0 = auto (about 8 over the run)." },
    best: { type: "boolean", description: "Keep the recorded episode with the highest return so far." },
    worst: { type: "boolean", description: "Keep the recorded episode with the lowest return so far." },
    deterministic: { type: "boolean", description: "Record with the most likely action instead of sampling." },
    maxCount: { type: "integer", minimum: 1, maximum: 10000, description: "Most replays a run keeps (oldest periodic dropped first)." },
    maxBytes: { type: "integer", minimum: 1024, description: "Most bytes of replay files a run keeps (oldest periodic dropped first)." },
  },
} as const;

/**
 * The periodic recording interval in updates for a run of `totalUpdates` updates.
 * @returns `everyUpdates` when set, else ceil(totalUpdates / AUTO_PERIODIC_REPLAYS) (at least 1)
 */
export function periodicInterval(settings: ReplaySettings, totalUpdates: number): number {
  if (settings.everyUpdates > 0) return settings.everyUpdates;
  return Math.max(1, Math.ceil(totalUpdates / AUTO_PERIODIC_REPLAYS));
}
