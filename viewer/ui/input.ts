// Mouse, wheel and keyboard. Wheel or pinch zooms at the pointer, horizontal wheel and Shift pan
// and scroll; dragging the tracks pans (both ways), dragging the time axis (or Shift+drag)
// selects a range, a click selects a slice or toggles a header. W/S zoom and A/D pan while held,
// smoothly, one step per frame.

import { timeAt } from '../core/viewport.js';
import { GUTTER } from '../render/timeline.js';
import type { App } from './app.js';

const DRAG_PX = 4;
/** Zoom factor per second while W/S is held, and pan in widths per second for A/D. */
const KEY_ZOOM_PER_S = 6;
const KEY_PAN_PER_S = 0.9;

export function bindInput(app: App): void {
  const canvas = app.shell.canvas;
  const pos = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  let mouseX = (app.width - GUTTER) / 2;
  let drag: { x: number; y: number; axis: boolean; mode: 'pending' | 'pan' | 'range'; rangeFrom: number; lastX: number; lastY: number } | null = null;

  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    canvas.focus();
    const p = pos(e);
    const hit = app.hitAt(p.x, p.y);
    const axis = hit.kind === 'axis' || (e.shiftKey && p.x >= GUTTER);
    drag = { x: p.x, y: p.y, axis, mode: 'pending', rangeFrom: timeAt(app.vp, p.x - GUTTER), lastX: p.x, lastY: p.y };
    canvas.setPointerCapture(e.pointerId);
  });

  canvas.addEventListener('pointermove', (e) => {
    const p = pos(e);
    mouseX = p.x - GUTTER;
    if (!drag) {
      const hit = app.hitAt(p.x, p.y);
      app.setHover(hit.kind === 'slice' ? hit.ref : null, e.clientX, e.clientY);
      canvas.style.cursor = hit.kind === 'axis' ? 'col-resize' : hit.kind === 'process' || hit.kind === 'lane-label' ? 'pointer' : 'default';
      return;
    }
    if (drag.mode === 'pending' && Math.hypot(p.x - drag.x, p.y - drag.y) >= DRAG_PX) {
      drag.mode = drag.axis ? 'range' : 'pan';
      app.setHover(null, 0, 0);
    }
    if (drag.mode === 'pan') {
      app.pan(drag.lastX - p.x);
      app.scrollBy(drag.lastY - p.y);
      canvas.style.cursor = 'grabbing';
    } else if (drag.mode === 'range') {
      app.setRange(drag.rangeFrom, timeAt(app.vp, Math.max(0, p.x - GUTTER)), false);
    }
    drag.lastX = p.x;
    drag.lastY = p.y;
  });

  canvas.addEventListener('pointerup', (e) => {
    if (!drag) return;
    const p = pos(e);
    const d = drag;
    drag = null;
    canvas.style.cursor = 'default';
    if (d.mode === 'range') {
      app.setRange(d.rangeFrom, timeAt(app.vp, Math.max(0, p.x - GUTTER)), true);
      return;
    }
    if (d.mode === 'pan') return;
    const hit = app.hitAt(p.x, p.y);
    if (hit.kind === 'slice') app.select(hit.ref);
    else if (hit.kind === 'process') app.toggleProcess(hit.process);
    else if (hit.kind === 'lane-label') app.toggleLane(hit.lane);
    else if (hit.kind === 'axis') app.clearRange();
    else app.select(null);
  });

  canvas.addEventListener('pointerleave', () => {
    if (!drag) app.setHover(null, 0, 0);
  });

  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const p = pos(e);
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? app.height : 1;
      const dx = e.deltaX * unit;
      const dy = e.deltaY * unit;
      if (p.x < GUTTER || e.shiftKey) {
        app.scrollBy(e.shiftKey && dy === 0 ? dx : dy);
        return;
      }
      if (Math.abs(dx) > Math.abs(dy)) {
        app.pan(dx);
        return;
      }
      // Pinch gestures arrive as ctrl+wheel with small deltas: zoom faster for them.
      const k = e.ctrlKey ? 0.01 : 0.0022;
      app.zoom(Math.exp(dy * k), p.x - GUTTER);
    },
    { passive: false },
  );

  // Held keys: one smooth step per frame.
  const held = new Set<string>();
  let last = 0;
  const tick = (now: number) => {
    if (held.size === 0) {
      last = 0;
      return;
    }
    const dt = last ? Math.min(0.05, (now - last) / 1000) : 1 / 60;
    last = now;
    const x = Math.min(Math.max(mouseX, 0), app.width - GUTTER);
    if (held.has('w')) app.zoom(Math.pow(KEY_ZOOM_PER_S, -dt), x);
    if (held.has('s')) app.zoom(Math.pow(KEY_ZOOM_PER_S, dt), x);
    if (held.has('a')) app.pan(-KEY_PAN_PER_S * dt * app.vp.width);
    if (held.has('d')) app.pan(KEY_PAN_PER_S * dt * app.vp.width);
    requestAnimationFrame(tick);
  };

  window.addEventListener('keydown', (e) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) {
      if (e.key === 'Escape') target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) {
      if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
        e.preventDefault();
        app.shell.search.focus();
      }
      return;
    }
    const key = e.key.toLowerCase();
    if ('wasd'.includes(key) && key.length === 1) {
      e.preventDefault();
      if (!held.has(key)) {
        held.add(key);
        if (held.size === 1) requestAnimationFrame(tick);
      }
      return;
    }
    switch (e.key) {
      case '/':
        e.preventDefault();
        app.shell.search.focus();
        break;
      case 'Escape':
        if (app.range) app.clearRange();
        else app.select(null);
        break;
      case 'f':
      case 'F':
        app.zoomToSelection();
        break;
      case '0':
      case 'r':
      case 'R':
        app.resetZoom();
        break;
      case 'ArrowUp':
        app.scrollBy(-40);
        break;
      case 'ArrowDown':
        app.scrollBy(40);
        break;
      case 'PageUp':
        app.scrollBy(-app.height * 0.8);
        break;
      case 'PageDown':
        app.scrollBy(app.height * 0.8);
        break;
      case 'ArrowLeft':
        app.pan(-0.1 * app.vp.width);
        break;
      case 'ArrowRight':
        app.pan(0.1 * app.vp.width);
        break;
      case 'n':
        app.findNext(1);
        break;
      case 'N':
        app.findNext(-1);
        break;
      default:
        return;
    }
  });
  window.addEventListener('keyup', (e) => held.delete(e.key.toLowerCase()));
  window.addEventListener('blur', () => held.clear());

  // Toolbar.
  const s = app.shell;
  let timer = 0;
  s.search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => app.search(s.search.value), 120);
  });
  s.search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      clearTimeout(timer);
      if (!app.mask) app.search(s.search.value);
      app.findNext(e.shiftKey ? -1 : 1);
    }
  });
  s.prev.addEventListener('click', () => app.findNext(-1));
  s.next.addEventListener('click', () => app.findNext(1));
  s.zoomSel.addEventListener('click', () => app.zoomToSelection());
  s.reset.addEventListener('click', () => app.resetZoom());
  for (const [, tab] of s.tabs) {
    tab.button.addEventListener('click', () => {
      for (const [, t] of s.tabs) {
        t.body.hidden = t !== tab;
        t.button.classList.toggle('active', t === tab);
      }
    });
  }
  window.addEventListener('resize', () => app.resize());

  // The split between timeline and panel.
  s.split.addEventListener('pointerdown', (e) => {
    const startY = e.clientY;
    const startH = s.panel.getBoundingClientRect().height;
    const move = (ev: PointerEvent) => {
      s.panel.style.height = `${Math.max(60, Math.min(window.innerHeight - 150, startH - (ev.clientY - startY)))}px`;
      app.resize();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  });
}
