/**
 * A local HTTPS server for signed list feeds, for the end-to-end tests: it serves whatever document
 * was last published at /feed.jws, as a real feed host serves a file, and records every request.
 *
 *   const feed = await startFeedServer({ issuer: sites.pki.intermediate, chain: [sites.pki.intermediate] });
 *   feed.url;                                       // https://127.0.0.1:<port>/feed.jws, the policy's feed url
 *   feed.publish(await signFeed(payload, keys.privateJwk));
 *   await feed.stop(); await feed.start();          // unreachable, then back on the same port
 *   feed.requests();                                // [{ time, path }]
 *
 * Nothing published yet: /feed.jws answers 404, as a host answers before the first upload. The
 * document is served byte for byte as published, so a test can publish a tampered one.
 */
import { startHttpsTestServer, type HttpsTestServerOptions } from "./https-test-server";

export const FEED_PATH = "/feed.jws";

/** One request the feed server received. */
export interface FeedRequest {
  /** Epoch ms. */
  time: number;
  /** Path and query as sent. */
  path: string;
}

export interface TestFeedServer {
  /** https://127.0.0.1:<port>/feed.jws */
  url: string;
  /** PEM of the root that issued the server's chain (see HttpsTestServer.rootPem). */
  rootPem: string;
  /** Serves `text` at /feed.jws from now on. */
  publish(text: string): void;
  /** Every request received so far, oldest first (a copy). */
  requests(): FeedRequest[];
  running(): boolean;
  /** Closes the port and every open connection: the browser's fetch fails as unreachable. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startFeedServer(options: Omit<HttpsTestServerOptions, "name"> = {}): Promise<TestFeedServer> {
  let document: string | null = null;
  const log: FeedRequest[] = [];

  const server = await startHttpsTestServer({ ...options, name: "Chain Sentry Test Feed" }, (req, res) => {
    const path = req.url ?? "/";
    log.push({ time: Date.now(), path });
    // A feed is fetched by the background, so from the extension's origin: CORS lets it read the body.
    const headers = { "cache-control": "no-store", "access-control-allow-origin": "*" };
    if (req.method !== "GET" || path.split("?")[0] !== FEED_PATH || document === null) return res.writeHead(404, headers).end();
    res.writeHead(200, { ...headers, "content-type": "application/jose" }).end(document);
  });

  return {
    url: `${server.url}${FEED_PATH}`,
    rootPem: server.rootPem,
    publish(text) {
      document = text;
    },
    requests: () => [...log],
    running: server.running,
    stop: server.stop,
    start: server.start,
    close: server.stop,
  };
}
