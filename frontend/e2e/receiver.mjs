// A webhook endpoint on loopback for the suite: records what it receives and answers 200.
import { createServer } from 'node:http';

/** 127.0.0.2 keeps the receiver apart from the platform's own ports; 127.0.0.1 where it cannot bind. */
export async function receiverHost() {
  for (const host of ['127.0.0.2', '127.0.0.1']) {
    const ok = await new Promise((done) => {
      const probe = createServer();
      probe.once('error', () => done(false));
      probe.listen(0, host, () => probe.close(() => done(true)));
    });
    if (ok) return host;
  }
  return '127.0.0.1';
}

export async function startReceiver(host) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise((ok) => server.listen(0, host, ok));
  const { port } = server.address();
  return {
    url: `http://${host}:${port}/hook`,
    requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}
