import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { poissonArrivals, runPacedLoad } from '../../bench/bridge-load';

describe('the open-loop load of bench:bridge', () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends every request at its arrival time without waiting for earlier answers', async () => {
    const arrivals = poissonArrivals(10, 0.1);
    const held: (() => void)[] = [];
    let bodies = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        bodies += 1;
        held.push(() =>
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"signalled"}'),
        );
        // Nothing is answered until all ten are in: a sender that waited for answers would never get there.
        if (held.length === arrivals.length) for (const answer of held) answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const seen: string[] = [];
    const result = await runPacedLoad({
      baseUrl,
      arrivalsMs: arrivals,
      request: (n) => ({ body: `{"n":${n}}`, headers: { 'content-type': 'application/json' } }),
      onResponse: (_status, body) => seen.push(body),
      timeoutMs: 10_000,
    });

    expect(bodies).toBe(10);
    expect(result).toMatchObject({ requests: 10, byStatus: { 200: 10 }, non2xx: 0, errors: 0, timeouts: 0 });
    expect(seen).toEqual(Array(10).fill('{"status":"signalled"}'));
    expect(result.latencyMs.count).toBe(10);
  });

  it('counts answers that never come as timeouts, not as answers', async () => {
    server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const result = await runPacedLoad({
      baseUrl,
      arrivalsMs: [0, 5],
      request: () => ({ body: '{}', headers: {} }),
      timeoutMs: 200,
    });
    expect(result).toMatchObject({ requests: 0, timeouts: 2, errors: 0 });
    server.closeAllConnections();
  });

  it('spreads exactly the number of arrivals asked for over the duration, in order', () => {
    const arrivals = poissonArrivals(6000, 60);
    expect(arrivals).toHaveLength(6000);
    expect(arrivals.every((t, i) => t >= 0 && t < 60_000 && (i === 0 || t >= arrivals[i - 1]!))).toBe(true);
    // Random, not evenly spaced: gaps vary around the 10 ms mean.
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(30);
    expect(Math.min(...gaps)).toBeLessThan(1);
  });
});
