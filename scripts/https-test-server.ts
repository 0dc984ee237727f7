/**
 * The TLS side of the project's local HTTPS test servers (scripts/test-collector.ts,
 * scripts/test-feed-server.ts): a leaf for 127.0.0.1 and localhost issued at start, a server on
 * 127.0.0.1 that can go away and come back on the same port (an outage a browser sees as connection
 * refused), and the root a client must trust.
 *
 *   const server = await startHttpsTestServer({ name: "Chain Sentry Test Feed", issuer: sites.pki.intermediate, chain: [sites.pki.intermediate] }, handler);
 *   server.url;                                    // https://127.0.0.1:<port>
 *   await server.stop(); await server.start();     // down, then back on the same port
 */
import type { RequestListener } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { issue, type Issued } from "./pki";

export interface HttpsTestServerOptions {
  /** The leaf's common name; a root of its own, if needed, is named after it. */
  name: string;
  /**
   * Issues the leaf. Default: a root made for this server (see `rootPem`). Issued under the demo
   * intermediate, which the demo policy allowlists, the server's own chain draws no finding.
   */
  issuer?: Issued;
  /** Certificates sent after the leaf (the issuer's intermediates), leaf's issuer first. */
  chain?: Issued[];
  /** Default 0: a free port, kept across stop() and start(). */
  port?: number;
}

export interface HttpsTestServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** PEM of the root that issued the server's chain: its own, or the last of `chain` (else `issuer`). */
  rootPem: string;
  running(): boolean;
  /** Closes the port and every open connection: clients get connection refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startHttpsTestServer(options: HttpsTestServerOptions, handler: RequestListener): Promise<HttpsTestServer> {
  const ownRoot = options.issuer ? null : await issue({ subject: `CN=${options.name} Root,O=Chain Sentry Test` });
  const issuer = options.issuer ?? ownRoot!;
  const leaf = await issue({ subject: `CN=${options.name}`, issuer, hosts: ["127.0.0.1", "localhost"] });
  const chain = options.chain ?? [];
  const server: Server = createServer({ key: leaf.keyPem, cert: [leaf, ...chain].map((c) => c.pem).join("") }, handler);

  let port = options.port ?? 0;
  let listening = false;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = (server.address() as AddressInfo).port;
        listening = true;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await start();

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    rootPem: (ownRoot ?? chain[chain.length - 1] ?? issuer).pem,
    running: () => listening,
    stop,
    start,
  };
}
