/**
 * A delaying TCP proxy: what `tc qdisc add dev lo root netem delay <RTT/2>ms` would do to the
 * benchmark's loopback traffic, for kernels without netem (CONFIG_NET_SCH_NETEM, e.g. this machine's
 * Firecracker kernel: see BENCHMARKS.md, "Realistic latency").
 *
 * Each front port forwards to a back port on 127.0.0.1 (TLS passes through untouched, so Firefox sees
 * the servers' own chains). Every chunk is held for half the round trip in each direction, in order,
 * and a new connection's first bytes towards the server wait one more round trip, the TCP handshake's
 * (the client's connect() completes at once on loopback; on a real link it takes an RTT):
 *   client → server: sent at max(arrival, accepted + RTT) + RTT/2
 *   server → client: sent at arrival + RTT/2
 * A FIN follows the data before it with the same delay. Timers have 1 ms granularity, and the proxy
 * runs in a process of its own (`bench/lib/delay-proxy.ts <rttMs> <front>:<back>,…`), so that a
 * busy server process does not stretch its delays.
 */
import net from "node:net";
import { pathToFileURL } from "node:url";

export interface DelayProxy {
  close(): Promise<void>;
}

export async function startDelayProxy(rttMs: number, routes: { front: number; back: number }[]): Promise<DelayProxy> {
  const oneWay = rttMs / 2;
  const sockets = new Set<net.Socket>();
  const servers = await Promise.all(
    routes.map(
      ({ front, back }) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer({ noDelay: true }, (client) => {
            const accepted = performance.now();
            const upstream = net.connect({ host: "127.0.0.1", port: back, noDelay: true });
            for (const s of [client, upstream]) {
              sockets.add(s);
              s.once("close", () => sockets.delete(s));
              s.on("error", () => {
                client.destroy();
                upstream.destroy();
              });
            }
            relay(client, upstream, (t) => Math.max(t, accepted + rttMs) + oneWay);
            relay(upstream, client, (t) => t + oneWay);
          });
          server.once("error", reject);
          server.listen(front, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  return {
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** Copies `from` to `to`, each chunk (and the end) written at `due(arrival)`, in arrival order. */
function relay(from: net.Socket, to: net.Socket, due: (arrival: number) => number): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].at <= now + 0.5) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else if (!to.write(chunk)) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    }
    if (queue.length) timer = setTimeout(flush, queue[0].at - now);
  };
  const push = (chunk: Buffer | null) => {
    queue.push({ at: due(performance.now()), chunk });
    timer ??= setTimeout(flush, queue[0].at - performance.now());
  };
  from.on("data", (chunk: Buffer) => push(chunk));
  from.on("end", () => push(null));
}

// As a process of its own: `node --import tsx bench/lib/delay-proxy.ts 20 9443:10443,9444:10444`;
// prints "ready" once listening, closes on SIGTERM or when its parent's IPC channel closes.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rtt = Number(process.argv[2]);
  const routes = (process.argv[3] ?? "").split(",").map((r) => {
    const [front, back] = r.split(":").map(Number);
    return { front, back };
  });
  if (!(rtt >= 0) || routes.some((r) => !r.front || !r.back)) {
    console.error("usage: delay-proxy.ts <rttMs> <front>:<back>[,…]");
    process.exit(2);
  }
  const proxy = await startDelayProxy(rtt, routes);
  const stop = () => void proxy.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("disconnect", stop);
  if (process.send) process.send("ready");
  else console.log("ready");
}
