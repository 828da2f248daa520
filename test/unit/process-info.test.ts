import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processEnd, processName, shortCommand } from '../../src/model/process-info.js';

describe('process names', () => {
  it('shortens the command the way a person names it', () => {
    assert.equal(shortCommand(['python3', 'app.py', '-v']), 'app.py -v');
    assert.equal(shortCommand(['/usr/bin/python3.11', '-u', '-X', 'dev', '-W', 'error', '/srv/app/main.py', 'a b']), 'main.py a b');
    assert.equal(shortCommand(['python3.13t', '-Xfrozen_modules=off', '-Wignore', 'x.py']), 'x.py');
    assert.equal(shortCommand(['python', '-m', 'http.server', '8000']), '-m http.server 8000');
    assert.equal(shortCommand(['python', '-mpytest', '-q']), '-m pytest -q');
    assert.equal(shortCommand(['python', '-u', '-c', 'print(1)\nprint(2)']), '-c print(1)');
    assert.equal(shortCommand(['python', '-Bc', 'import this']), '-c import this');
    assert.equal(shortCommand(['python', '-']), '<stdin>');
    assert.equal(shortCommand(['python3']), 'python3');
    assert.equal(shortCommand(['/usr/local/bin/gunicorn', 'app:wsgi', '-w', '4']), 'gunicorn app:wsgi -w 4');
    assert.equal(shortCommand([]), '');
    const long = shortCommand(['python', 'script.py', 'x'.repeat(100)]);
    assert.equal(long.length, 48);
    assert.ok(long.endsWith('…'));
  });

  it('calls multiprocessing helpers by their role', () => {
    const c = (code: string) => shortCommand(['/usr/bin/python3', '-c', code, '--multiprocessing-fork']);
    assert.equal(c('from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7)'), 'spawn child');
    assert.equal(c("from multiprocessing.forkserver import main; main(3, 4, ['__main__'], **{'sys_path': []})"), 'forkserver');
    assert.equal(c('from multiprocessing.resource_tracker import main;main(5)'), 'resource_tracker');
  });

  it('prefers the multiprocessing name unless it is the default one', () => {
    assert.equal(processName(['python', 'a.py'], 'ForkPoolWorker-3', 9), 'ForkPoolWorker-3');
    assert.equal(processName(['python', 'a.py'], 'MainProcess', 9), 'a.py');
    assert.equal(processName([], null, 9), 'pid 9');
  });
});

describe('process ends', () => {
  it('reads the end record', () => {
    assert.deepEqual(processEnd({ k: 'end', how: 'exit', code: 2 }, ''), { how: 'exit', code: 2, signal: null, text: 'exited with status 2' });
    assert.deepEqual(processEnd({ k: 'end', how: 'os._exit', code: 1 }, ''), { how: 'os._exit', code: 1, signal: null, text: 'os._exit(1)' });
    assert.deepEqual(processEnd({ k: 'end', how: 'signal', code: null, signal: 2 }, ''), {
      how: 'signal', code: 2, signal: 2, text: 'killed by SIGINT',
    });
    assert.equal(processEnd(null, '').how, 'unknown');
    assert.equal(processEnd(null, '  \n').how, 'unknown');
  });

  it('reads the signal from faulthandler\'s report, which wins over an end record', () => {
    const cases: [string, number, string][] = [
      ['Segmentation fault', 11, 'SIGSEGV'],
      ['Bus error', 7, 'SIGBUS'],
      ['Floating point exception', 8, 'SIGFPE'],
      ['Aborted', 6, 'SIGABRT'],
      ['Illegal instruction', 4, 'SIGILL'],
    ];
    for (const [what, sig, name] of cases) {
      const fault = `Fatal Python error: ${what}\n\nThread 0x0001 (most recent call first):\n  File "x.py", line 1 in <module>\n`;
      const end = processEnd({ k: 'end', how: 'exit', code: 0 }, fault);
      assert.deepEqual(end, { how: 'crash', code: sig, signal: sig, text: `crashed: ${what} (${name})`, fault });
    }
    const odd = processEnd(null, 'Fatal Python error: something else\n');
    assert.deepEqual([odd.how, odd.signal, odd.text], ['crash', null, 'crashed: something else']);
    assert.equal(processEnd(null, 'garbage').text, 'crashed (see the fault report)');
  });
});
