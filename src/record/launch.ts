// Running the target as `python ...` would run it: same stdio, same arguments, its exit status
// reported back. Terminal signals (Ctrl-C) reach it through the process group; signals sent to
// weft alone (a supervisor's SIGTERM) are passed on, and weft stays alive to write the trace.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

export interface TargetExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  wallNs: number;
}

const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function runTarget(executable: string, args: string[], env: NodeJS.ProcessEnv): Promise<TargetExit> {
  return new Promise((resolve, reject) => {
    const began = process.hrtime.bigint();
    const child = spawn(executable, args, { stdio: 'inherit', env });
    const handlers = new Map<NodeJS.Signals, () => void>();
    // Ctrl-C goes to the whole foreground group, so the target has it already.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    for (const sig of FORWARDED) {
      const forward = () => {
        child.kill(sig);
      };
      handlers.set(sig, forward);
      process.on(sig, forward);
    }
    const cleanup = () => {
      process.off('SIGINT', ignore);
      for (const [sig, h] of handlers) process.off(sig, h);
    };
    child.on('error', (err) => {
      cleanup();
      reject(err);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      resolve({ pid: child.pid ?? -1, code, signal, wallNs: Number(process.hrtime.bigint() - began) });
    });
  });
}

/** The status a shell would report: the exit code, or 128 + the signal number. */
export function shellStatus(exit: TargetExit): number {
  if (exit.code !== null) return exit.code;
  const num = exit.signal ? (constants.signals as Record<string, number>)[exit.signal] : undefined;
  return 128 + (num ?? 0);
}

export function describeExit(exit: TargetExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with status ${exit.code}`;
}
