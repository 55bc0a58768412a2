/**
 * Dashboard webview entry: announces itself to the extension host with the `ready` handshake, which answers with a
 * snapshot of the run. The charts arrive with the dashboard.
 */
interface VsCodeApi {
  postMessage(msg: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscodeApi = acquireVsCodeApi();
vscodeApi.postMessage({ type: "ready" });
