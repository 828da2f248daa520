// The details panel of a selected slice: name, place, thread, start, duration, self time, how often
// its function was called in the whole trace, and its callers and callees.

import { formatCount, formatDuration } from '../../src/util/units.js';
import { SliceFlag } from '../../src/model/trace.js';
import { callersAndCallees, selfTime } from '../core/func-info.js';
import { funcName, funcPlace, type ViewModel } from '../core/model.js';
import { clear, h } from './dom.js';

const callCache = new Map<number, ReturnType<typeof callersAndCallees>>();

export function renderDetails(body: HTMLElement, vm: ViewModel, sel: { lane: number; slice: number } | null, onZoom: () => void): void {
  clear(body);
  if (!sel) {
    body.append(h('p', { class: 'hint' }, 'Click a slice to see its details.'));
    return;
  }
  const lane = vm.lanes[sel.lane]!;
  const s = lane.slices;
  const i = sel.slice;
  const f = s.func[i]!;
  const trace = vm.trace;
  const proc = trace.processes[lane.process]!;
  const flags = s.flags[i]!;
  let info = callCache.get(f);
  if (!info) {
    info = callersAndCallees(vm.lanes, f);
    callCache.set(f, info);
  }
  const place = funcPlace(trace, f);
  const rows: [string, string][] = [
    ['Function', funcName(trace, f)],
    ['Location', place || '(built-in)'],
    ['Thread', `${lane.name}  \u2014  ${proc.name}${proc.pid ? ` (pid ${proc.pid})` : ''}`],
    ['Start', formatDuration(s.start[i]!)],
    ['Duration', formatDuration(s.dur[i]!)],
    ['Self time', formatDuration(selfTime(s, i))],
    ['Depth', String(s.depth[i])],
    ['Calls of this function', `${formatCount(vm.funcCalls[f]!)} in the trace, ${formatDuration(info.total)} in all`],
  ];
  if (flags & SliceFlag.Unfinished) rows.push(['Note', 'still running when the trace ended']);
  if (flags & SliceFlag.Unwound) rows.push(['Note', 'ended by an exception']);
  const table = h('table', { class: 'kv' });
  for (const [k, v] of rows) table.append(h('tr', {}, h('th', {}, k), h('td', {}, v)));
  const zoom = h('button', { type: 'button', id: 'zoom-slice' }, 'Zoom to slice');
  zoom.addEventListener('click', onZoom);
  const list = (title: string, m: Map<number, number>) => {
    const entries = [...m.entries()].sort((a, b) => b[1] - a[1]);
    const ul = h('ul', { class: 'calls' });
    for (const [g, n] of entries.slice(0, 30)) {
      const name = g < 0 ? '(thread root)' : funcName(trace, g);
      const where = g < 0 ? '' : funcPlace(trace, g);
      ul.append(h('li', {}, h('span', { class: 'n' }, formatCount(n)), ' ', h('span', { class: 'fn' }, name), where ? h('span', { class: 'place' }, ` ${where}`) : null));
    }
    if (entries.length > 30) ul.append(h('li', { class: 'hint' }, `\u2026 and ${entries.length - 30} more`));
    if (entries.length === 0) ul.append(h('li', { class: 'hint' }, 'none'));
    return h('div', { class: 'calls-box' }, h('h4', {}, title), ul);
  };
  body.append(
    h('div', { class: 'details' }, h('div', {}, table, zoom), list('Called by', info.callers), list('Calls', info.callees)),
  );
}
