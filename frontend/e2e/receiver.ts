// A webhook endpoint on loopback for the suite: records what it receives and answers 200.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface ReceivedRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  close: () => Promise<void>;
}

/** 127.0.0.2 keeps the receiver apart from the platform's own ports; 127.0.0.1 where it cannot bind. */
export async function receiverHost(): Promise<string> {
  for (const host of ['127.0.0.2', '127.0.0.1']) {
    const ok = await new Promise<boolean>((done) => {
      const probe = createServer();
      probe.once('error', () => done(false));
      probe.listen(0, host, () => probe.close(() => done(true)));
    });
    if (ok) return host;
  }
  return '127.0.0.1';
}

export async function startReceiver(host: string): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}/hook`,
    requests,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
