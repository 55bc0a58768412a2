/**
 * The Rate mode's bar in the Replays webview (RLHF in miniature): "A is better", "B is better", "Same", "Can't tell"
 * (keys 1-4) for the pair shown side by side, the count of ratings, "Fit reward model" with its held-out accuracy, and
 * "Train on learned reward". The host stores the ratings (preferences.jsonl) and picks the next pair.
 */
import type { FromReplaysMessage, RatingChoice, RatingState } from "../../src/protocol";
import { button, el, type VscodeButton } from "../ui/elements";

const CHOICES: { choice: RatingChoice; label: string; key: string }[] = [
  { choice: "a", label: "A is better", key: "1" },
  { choice: "b", label: "B is better", key: "2" },
  { choice: "same", label: "Same", key: "3" },
  { choice: "unknown", label: "Can't tell", key: "4" },
];

function pct(x: number | null): string {
  return x === null ? "n/a" : `${(x * 100).toFixed(0)}%`;
}

export class RateBar {
  readonly el = el("div", { class: "rate-bar", hidden: "", "data-role": "rate-bar" });
  private readonly count = el("span", { class: "muted", "data-role": "rating-count" });
  private readonly accuracy = el("span", { class: "muted", "data-role": "reward-accuracy" });
  private readonly note = el("span", { class: "rate-note", "data-role": "rating-message" });
  private readonly choiceButtons: VscodeButton[];
  private readonly fit: VscodeButton;
  private readonly train: VscodeButton;
  state: RatingState | undefined;
  /** The pair on screen: [A, B]. */
  pair: [string, string] | undefined;

  constructor(private readonly post: (m: FromReplaysMessage) => void) {
    this.choiceButtons = CHOICES.map(({ choice, label, key }) =>
      button(`${label} (${key})`, { secondary: choice === "same" || choice === "unknown", onClick: () => this.rate(choice), attrs: { "data-rate": choice } }),
    );
    this.fit = button("Fit reward model", { icon: "sparkle", secondary: true, onClick: () => this.post({ type: "fitReward" }), attrs: { "data-command": "fitReward" } });
    this.train = button("Train on learned reward", { icon: "feedback", secondary: true, onClick: () => this.post({ type: "trainOnLearnedReward" }), attrs: { "data-command": "trainOnLearnedReward" } });
    const row1 = el("div", { class: "buttons" });
    row1.append(el("strong", {}, "Which episode is better?"), ...this.choiceButtons, this.count);
    const row2 = el("div", { class: "buttons" });
    row2.append(this.fit, this.accuracy, this.train, this.note);
    this.el.append(row1, row2);
  }

  get active(): boolean {
    return !this.el.hidden;
  }

  show(on: boolean): void {
    this.el.hidden = !on;
    if (on) this.post({ type: "rateStart" });
  }

  /** Sends the rating of the pair on screen (ignored when no pair is shown). */
  rate(choice: RatingChoice): void {
    if (!this.pair || !this.active) return;
    this.post({ type: "rate", a: this.pair[0], b: this.pair[1], choice });
  }

  /** Keys 1-4 rate; @returns true when the key was used. */
  onKey(key: string): boolean {
    const c = CHOICES.find((x) => x.key === key);
    if (!c || !this.active || !this.pair) return false;
    this.rate(c.choice);
    return true;
  }

  update(state: RatingState): void {
    this.state = state;
    this.count.textContent = `${state.count} rating${state.count === 1 ? "" : "s"} · ${state.ratedPairs} of ${state.totalPairs} pairs rated`;
    const m = state.rewardModel;
    this.accuracy.textContent = state.fitting
      ? "fitting..."
      : m
        ? `reward model: ${m.pairs} pairs, held-out accuracy ${pct(m.validationAccuracy)} (train ${pct(m.trainAccuracy)})`
        : "no reward model yet";
    this.fit.disabled = state.fitting || state.count === 0;
    this.train.disabled = !m || state.fitting;
    for (const b of this.choiceButtons) b.disabled = !state.next;
    this.note.textContent = state.message?.text ?? (state.next ? "" : "Rating needs at least 2 recorded episodes.");
    this.note.dataset.level = state.message?.level ?? "info";
  }
}
