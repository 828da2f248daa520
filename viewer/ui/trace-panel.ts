// The trace panel: what was traced (command, processes and how they ended, threads, sizes) and
// every warning the reader or recorder left.

import { formatCount, formatDuration } from '../../src/util/units.js';
import type { ViewModel } from '../core/model.js';
import { clear, h } from './dom.js';

export function renderTracePanel(body: HTMLElement, vm: ViewModel): void {
  clear(body);
  const t = vm.trace;
  const rows: [string, string][] = [
    ['Command', t.meta.command.join(' ') || '(not recorded)'],
    ['Recorded', t.meta.recordedAt ? new Date(t.meta.recordedAt).toLocaleString() : '(not recorded)'],
    ['Duration', formatDuration(vm.end - vm.start)],
    ['Slices', formatCount(vm.totalSlices)],
    ['Functions', formatCount(t.funcs.count - 1)],
    ['Processes / threads', `${t.processes.length} / ${t.threads.length}`],
  ];
  if (t.counters) rows.push(['Counter samples', formatCount(t.counters.count)]);
  if (t.instants) rows.push(['Instants', formatCount(t.instants.count)]);
  if (t.flows) rows.push(['Flows', formatCount(t.flows.count)]);
  const kv = h('table', { class: 'kv' });
  for (const [k, v] of rows) kv.append(h('tr', {}, h('th', {}, k), h('td', {}, v)));
  const procs = h('table', { class: 'functions' }, h('thead', {}, h('tr', {}, h('th', {}, 'Process'), h('th', {}, 'pid'), h('th', {}, 'Threads'), h('th', {}, 'Ended'), h('th', {}, 'Dropped events'))));
  const tb = h('tbody', {});
  for (const p of t.processes) {
    tb.append(h('tr', {}, h('td', {}, p.name), h('td', { class: 'num' }, String(p.pid)), h('td', { class: 'num' }, String(p.threads.length)), h('td', {}, p.end.text), h('td', { class: 'num' }, formatCount(p.droppedEvents))));
  }
  procs.append(tb);
  const warn = h('ul', { class: 'warnings' });
  for (const w of t.meta.warnings) warn.append(h('li', {}, w));
  body.append(h('div', { class: 'trace-info' }, kv, procs, t.meta.warnings.length ? h('div', {}, h('h4', {}, 'Warnings'), warn) : null));
}
