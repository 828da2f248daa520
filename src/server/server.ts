// `weft view`'s server: node:http on 127.0.0.1 unless told otherwise. It serves one page (the
// viewer) and one binary (the trace), nothing else: no directory listing, no file access by path.
// On loopback it also checks the Host header, so a web page elsewhere cannot reach it through DNS
// rebinding.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Trace } from '../model/trace.js';
import { UserError } from '../util/errors.js';
import { encodeWeftFile } from '../formats/weft-file.js';
import { pageParts } from './page.js';

export interface ViewServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

const TRACE_PATH = '/trace.weft';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function serveTrace(trace: Trace, opts: ServeOptions = {}): Promise<ViewServer> {
  const host = opts.host ?? '127.0.0.1';
  const payload = encodeWeftFile(trace);
  const page = Buffer.from(pageParts({ kind: 'url', url: TRACE_PATH.slice(1) }).join(''), 'utf8');
  const loopback = isLoopback(host);
  let port = 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (loopback) {
      const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`]);
      if (!allowed.has(req.headers.host ?? '')) return send(res, 403, 'text/plain', 'forbidden host\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'method not allowed\n');
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') {
      res.setHeader('X-Frame-Options', 'DENY');
      return send(res, 200, 'text/html; charset=utf-8', page, req.method === 'HEAD');
    }
    if (path === TRACE_PATH) return send(res, 200, 'application/octet-stream', payload, req.method === 'HEAD');
    if (path === '/favicon.ico') return send(res, 204, 'text/plain', '');
    return send(res, 404, 'text/plain', 'not found\n');
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new UserError(`port ${opts.port} on ${host} is in use: choose another with --port`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new UserError(`cannot listen on ${host}: no such address here`));
      else if (err.code === 'EACCES') reject(new UserError(`not allowed to listen on port ${opts.port}`));
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(opts.port ?? 0, host);
  });
  port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, headOnly = false): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(bytes.byteLength) });
  if (headOnly) res.end();
  else res.end(bytes);
}
