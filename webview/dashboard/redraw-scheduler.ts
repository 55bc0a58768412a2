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

  /**
   * Queues `d` for the next frames (once: a drawable already queued keeps its place).
   * @param first put it at the head of the queue (moving it there when queued already), so it is drawn in the next
   *   frame whatever else waits: for a cheap view the user follows live (the episodes), which would otherwise wait
   *   behind every chart that the same batch invalidated, each batch again
   */
  request(d: Drawable, first = false): void {
    if (first && this.queue.size > 0 && this.queue.values().next().value !== d) {
      const rest = [...this.queue].filter((q) => q !== d);
      this.queue.clear();
      this.queue.add(d);
      for (const q of rest) this.queue.add(q);
    } else {
      this.queue.add(d);
    }
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.run());
  }

  get pending(): number {
    return this.queue.size;
  }

  private run(): void {
    this.frame = 0;
    const start = performance.now();
    // Over a copy: a request made while drawing (which may reorder the queue) is served in a later frame.
    for (const d of [...this.queue]) {
      if (!this.queue.delete(d)) continue;
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
