/**
 * A minimal typed event emitter with VS Code's `Event<T>` shape (`event(listener) -> { dispose }`), so the run
 * manager stays free of the `vscode` module and unit-testable in Node.
 */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => void) => Disposable;

export class Emitter<T> {
  private listeners = new Set<(e: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  /** Calls every listener; a throwing listener does not stop the others. */
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a broken subscriber must not break the run manager
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
