import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStatsArgs, STATS_USAGE } from '../../src/cli/stats.js';
import { UserError } from '../../src/util/errors.js';

function fails(args: string[], message: string) {
  assert.throws(() => parseStatsArgs(args), (e: unknown) => e instanceof UserError && e.message === message);
}

describe('weft stats arguments', () => {
  it('has defaults: tottime, 30 rows, one table, C functions in, text', () => {
    assert.deepEqual(parseStatsArgs(['t.weft']), { file: 't.weft', sort: 'tottime', limit: 30, by: 'all', includeC: true, json: false });
  });

  it('reads every option, before or after the file, with a space or "="', () => {
    assert.deepEqual(parseStatsArgs(['--sort', 'cumtime', 't.weft', '--limit=0', '--by', 'thread', '--no-c-calls', '--json']), {
      file: 't.weft',
      sort: 'cumtime',
      limit: 0,
      by: 'thread',
      includeC: false,
      json: true,
    });
    assert.equal(parseStatsArgs(['--by=process', 't.weft'])!.by, 'process');
  });

  it('returns null for help, whose text names the default sort', () => {
    assert.equal(parseStatsArgs(['--help']), null);
    assert.equal(parseStatsArgs(['t.weft', '-h']), null);
    assert.match(STATS_USAGE, /tottime \(default/);
  });

  it('rejects a bad command line with one clear line', () => {
    fails(['t.weft', '--sort', 'foo'], "unknown sort key 'foo' (choose from tottime, cumtime, ncalls, percall, name, file)");
    fails(['t.weft', '--by', 'task'], "unknown grouping 'task' for --by (choose from thread, process)");
    fails(['t.weft', '--limit', '-1'], "--limit takes a whole number, not '-1'");
    fails(['t.weft', '--limit', 'ten'], "--limit takes a whole number, not 'ten'");
    fails(['t.weft', '--frobnicate'], "unknown option '--frobnicate' (see weft stats --help)");
    fails(['t.weft', '--sort'], "option '--sort' needs a value (see weft stats --help)");
    fails(['t.weft', '--json=yes'], "option '--json' takes no value");
    fails([], 'weft stats needs a trace file (usage: weft stats FILE [options])');
    fails(['a.weft', 'b.weft'], "unexpected argument 'b.weft' (weft stats reads one trace file)");
  });
});
