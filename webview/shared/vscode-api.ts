/** The webview side of VS Code's messaging: `acquireVsCodeApi()` may be called once per page, so it is cached. */

export interface VsCodeApi<ToHost> {
  postMessage(msg: ToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

let api: VsCodeApi<unknown> | undefined;

export function vscodeApi<ToHost>(): VsCodeApi<ToHost> {
  api ??= acquireVsCodeApi();
  return api as VsCodeApi<ToHost>;
}
