/**
 * Spreads chart redraws over animation frames: dirty, visible charts are redrawn in `requestAnimationFrame`, as many
 * per frame as fit in a time budget, the rest in the next frames. So a burst of updates to 30 charts never blocks
 * the page for more than about one frame, and a hidden document (no frames) costs nothing.
 */

export interface Drawable {
  /** Whether it should be drawn now (on screen, not collapsed). */
  canDraw(): boolean;
  draw(): void;
}

export class RedrawScheduler {
  private readonly queue = new Set<Drawable>();
  private frame = 0;

  constructor(private readonly budgetMs = 10) {}

  request(d: Drawable): void {
    this.queue.add(d);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.run());
  }

  get pending(): number {
    return this.queue.size;
  }

  private run(): void {
    this.frame = 0;
    const start = performance.now();
    for (const d of this.queue) {
      this.queue.delete(d);
      if (d.canDraw()) d.draw();
      if (performance.now() - start > this.budgetMs) break;
    }
    if (this.queue.size > 0) this.frame = requestAnimationFrame(() => this.run());
  }

  /** Draws everything queued now (tests, exports). */
  flush(): void {
    for (const d of this.queue) {
      this.queue.delete(d);
      if (d.canDraw()) d.draw();
    }
  }
}
