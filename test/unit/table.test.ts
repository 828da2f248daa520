import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutToWidth, displayWidth, outputWidth, printable, renderTable, type Column } from '../../src/report/table.js';

const COLUMNS: Column[] = [
  { title: 'n', align: 'right' },
  { title: 'kind', align: 'left' },
  { title: 'where', align: 'left' },
];

describe('renderTable', () => {
  it('right-aligns numbers, left-aligns text, and leaves no trailing spaces', () => {
    const lines = renderTable(COLUMNS, [
      ['1', 'a', 'x.py:1(f)'],
      ['12,345', 'long kind', ''],
    ]);
    assert.deepEqual(lines, [
      '     n  kind       where',
      '     1  a          x.py:1(f)',
      '12,345  long kind',
    ]);
  });

  it('takes gap and indent', () => {
    assert.deepEqual(renderTable(COLUMNS.slice(0, 2), [['7', 'b']], { gap: 1, indent: '  ' }), ['  n kind', '  7 b']);
  });

  it('cuts only the last column to the width, from the chosen side', () => {
    const rows = [['1', 'a', '/very/long/path/to/module.py:10(function_name)']];
    assert.deepEqual(renderTable(COLUMNS, rows, { width: 30 }), ['n  kind  where', '1  a     /very/long/path/to/m…']);
    assert.deepEqual(renderTable(COLUMNS, rows, { width: 30, cut: 'start' }), ['n  kind  where', '1  a     …py:10(function_name)']);
    assert.deepEqual(renderTable(COLUMNS, rows, { width: 200 })[1], '1  a     /very/long/path/to/module.py:10(function_name)');
  });

  it('keeps a few characters of the last column even on a very narrow terminal', () => {
    const lines = renderTable(COLUMNS, [['1', 'a', 'abcdefghijklmnopqrstuvwxyz']], { width: 5 });
    assert.equal(lines[1], '1  a     abcdefghijk…');
  });

  it('escapes control characters so a cell cannot drive the terminal', () => {
    const lines = renderTable(COLUMNS, [['1', 'evil\x1b[2J', 'a\nb\tc\x9b']]);
    assert.deepEqual(lines, ['n  kind         where', '1  evil\\x1b[2J  a\\nb\\tc\\x9b']);
  });

  it('measures wide and combining characters by terminal cells', () => {
    const lines = renderTable(COLUMNS, [
      ['1', '漢字', 'x'],
      ['2', 'e\u0301t\u00e9', 'y'],
    ]);
    assert.deepEqual(lines, ['n  kind  where', '1  漢字  x', '2  e\u0301té   y']);
  });
});

describe('table helpers', () => {
  it('displayWidth counts cells', () => {
    assert.equal(displayWidth('abc'), 3);
    assert.equal(displayWidth('漢字'), 4);
    assert.equal(displayWidth('e\u0301'), 1);
    assert.equal(displayWidth('🔥'), 2);
  });

  it('cutToWidth never splits a wide character past the width', () => {
    assert.equal(cutToWidth('漢字漢字', 4), '漢…');
    assert.equal(cutToWidth('漢字漢字', 4, 'start'), '…字');
    assert.equal(cutToWidth('short', 10), 'short');
    assert.equal(cutToWidth('abc', 0), '');
  });

  it('printable leaves ordinary text alone', () => {
    assert.equal(printable('café · ok'), 'café · ok');
  });

  it('outputWidth is undefined off a terminal', () => {
    assert.equal(outputWidth({ isTTY: false, columns: 80 } as NodeJS.WriteStream), undefined);
    assert.equal(outputWidth({ isTTY: true, columns: 100 } as NodeJS.WriteStream), 100);
  });
});
