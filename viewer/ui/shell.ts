// The page's fixed parts: toolbar, warnings, the timeline canvas with its tooltip, and the
// bottom panel with its tabs. Built with DOM calls only.

import { h } from './dom.js';

export interface Shell {
  root: HTMLElement;
  title: HTMLElement;
  search: HTMLInputElement;
  searchCount: HTMLElement;
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  zoomSel: HTMLButtonElement;
  reset: HTMLButtonElement;
  warnings: HTMLElement;
  main: HTMLElement;
  canvas: HTMLCanvasElement;
  tooltip: HTMLElement;
  split: HTMLElement;
  panel: HTMLElement;
  tabs: Map<string, { button: HTMLButtonElement; body: HTMLElement }>;
}

export function buildShell(root: HTMLElement): Shell {
  const btn = (label: string, title: string, id: string) => h('button', { type: 'button', title, id }, label);
  const title = h('span', { id: 'title' }, 'weft');
  const search = h('input', { id: 'search', type: 'search', placeholder: 'Search functions  ( / )', spellcheck: 'false', autocomplete: 'off' });
  const searchCount = h('span', { id: 'search-count' });
  const prev = btn('\u25c0', 'Previous match (Shift+Enter)', 'prev');
  const next = btn('\u25b6', 'Next match (Enter)', 'next');
  const zoomSel = btn('Zoom to selection', 'Zoom to the selected slice or range (F)', 'zoom-sel');
  const reset = btn('Reset zoom', 'Show the whole trace (0)', 'reset');
  const help = h('span', { id: 'help' }, 'W/S zoom \u00b7 A/D pan \u00b7 wheel zooms, Shift+wheel scrolls \u00b7 drag pans \u00b7 drag on the time axis selects a range \u00b7 click selects');
  const bar = h('header', { id: 'bar' }, title, search, searchCount, prev, next, zoomSel, reset, help);
  const warnings = h('div', { id: 'warnings', hidden: '' });
  const canvas = h('canvas', { id: 'timeline', tabindex: '0' });
  const tooltip = h('div', { id: 'tooltip', hidden: '' });
  const main = h('div', { id: 'main' }, canvas, tooltip);
  const split = h('div', { id: 'split', title: 'Drag to resize' });
  const tabs = new Map<string, { button: HTMLButtonElement; body: HTMLElement }>();
  const nav = h('nav', { id: 'tabs' });
  const bodies = h('div', { id: 'tab-bodies' });
  for (const [key, label] of [
    ['details', 'Details'],
    ['range', 'Range'],
    ['trace', 'Trace'],
  ] as const) {
    const button = h('button', { type: 'button', 'data-tab': key }, label);
    const body = h('div', { id: `tab-${key}`, class: 'tab-body', hidden: '' });
    nav.append(button);
    bodies.append(body);
    tabs.set(key, { button, body });
  }
  const panel = h('section', { id: 'panel' }, nav, bodies);
  root.append(bar, warnings, main, split, panel);
  return { root, title, search, searchCount, prev, next, zoomSel, reset, warnings, main, canvas, tooltip, split, panel, tabs };
}

export function showTab(shell: Shell, key: string): void {
  for (const [k, t] of shell.tabs) {
    t.body.hidden = k !== key;
    t.button.classList.toggle('active', k === key);
  }
}
