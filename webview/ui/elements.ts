/**
 * The thin layer over `@vscode-elements/elements` (Lit web components that read VS Code's theme variables): it
 * imports only the components the webviews use (esbuild bundles them) and builds them. Swapping to plain HTML with
 * `--vscode-*` CSS would touch this file only.
 */
import "@vscode-elements/elements/dist/vscode-badge/index.js";
import "@vscode-elements/elements/dist/vscode-button/index.js";
import "@vscode-elements/elements/dist/vscode-checkbox/index.js";
import "@vscode-elements/elements/dist/vscode-collapsible/index.js";
import "@vscode-elements/elements/dist/vscode-icon/index.js";
import "@vscode-elements/elements/dist/vscode-option/index.js";
import "@vscode-elements/elements/dist/vscode-progress-bar/index.js";
import "@vscode-elements/elements/dist/vscode-single-select/index.js";
import "@vscode-elements/elements/dist/vscode-toolbar-button/index.js";
import type { VscodeButton } from "@vscode-elements/elements/dist/vscode-button/vscode-button.js";
import type { VscodeCheckbox } from "@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js";
import type { VscodeCollapsible } from "@vscode-elements/elements/dist/vscode-collapsible/vscode-collapsible.js";
import type { VscodeProgressBar } from "@vscode-elements/elements/dist/vscode-progress-bar/vscode-progress-bar.js";
import type { VscodeSingleSelect } from "@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js";
import type { VscodeToolbarButton } from "@vscode-elements/elements/dist/vscode-toolbar-button/vscode-toolbar-button.js";

export type { VscodeButton, VscodeCheckbox, VscodeCollapsible, VscodeProgressBar, VscodeSingleSelect, VscodeToolbarButton };

/** A plain element with attributes and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A button with an optional codicon; `secondary` for the less prominent ones. */
export function button(label: string, opts: { icon?: string; secondary?: boolean; onClick: () => void; attrs?: Record<string, string> }): VscodeButton {
  const b = document.createElement("vscode-button");
  b.textContent = label;
  if (opts.icon) b.icon = opts.icon;
  b.secondary = opts.secondary ?? false;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) b.setAttribute(k, v);
  b.addEventListener("click", () => {
    if (!b.disabled) opts.onClick();
  });
  return b;
}

/** An icon-only toolbar button; `toggleable` ones keep a checked state. */
export function toolbarButton(icon: string, label: string, onClick: (b: VscodeToolbarButton) => void, attrs: Record<string, string> = {}): VscodeToolbarButton {
  const b = document.createElement("vscode-toolbar-button");
  b.icon = icon;
  b.label = label;
  b.title = label;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  b.addEventListener("click", () => onClick(b));
  return b;
}

export function collapsible(heading: string, open: boolean, attrs: Record<string, string> = {}): VscodeCollapsible {
  const c = document.createElement("vscode-collapsible");
  c.heading = heading;
  c.open = open;
  for (const [k, v] of Object.entries(attrs)) c.setAttribute(k, v);
  return c;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, attrs: Record<string, string> = {}): VscodeCheckbox {
  const c = document.createElement("vscode-checkbox");
  c.label = label;
  c.checked = checked;
  for (const [k, v] of Object.entries(attrs)) c.setAttribute(k, v);
  c.addEventListener("change", () => onChange(c.checked));
  return c;
}

export function singleSelect(options: { value: string; label: string }[], value: string, onChange: (value: string) => void, attrs: Record<string, string> = {}): VscodeSingleSelect {
  const s = document.createElement("vscode-single-select");
  for (const o of options) {
    const opt = document.createElement("vscode-option");
    opt.value = o.value;
    opt.textContent = o.label;
    if (o.value === value) opt.selected = true;
    s.append(opt);
  }
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  s.addEventListener("change", () => onChange(s.value));
  return s;
}

export function progressBar(value: number, max: number): VscodeProgressBar {
  const p = document.createElement("vscode-progress-bar");
  p.max = max;
  p.value = value;
  return p;
}

export function badge(text: string, attrs: Record<string, string> = {}): HTMLElement {
  const b = document.createElement("vscode-badge");
  b.textContent = text;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  return b;
}

export function icon(name: string, attrs: Record<string, string> = {}): HTMLElement {
  const i = document.createElement("vscode-icon");
  i.setAttribute("name", name);
  for (const [k, v] of Object.entries(attrs)) i.setAttribute(k, v);
  return i;
}
