/**
 * The soak's web (`npm run soak`, bench/soak.ts): HOSTS HTTPS hosts (h0.soak.test … h499.soak.test,
 * resolved to 127.0.0.1 by Firefox's `network.dns.localDomains`), each with its own EC leaf, under
 * INTERMEDIATES intermediates of one root trusted by policy. One HTTP/2 server on one port picks the
 * host's certificate by SNI; Firefox still opens a connection per host (no certificate covers two).
 *
 * A page on host h (`/p?n=<load>`) loads PER_HOST subresources from its own host and PER_HOST from
 * each of its THIRD_PARTIES other hosts: two of the 20 most popular hosts (CDNs) and three others,
 * chosen by the load number, so a day of loads touches every host many times. Every URL is unique to
 * its load and served no-store: every subresource is fetched and passes the blocking listener.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import path from "node:path";
import tls from "node:tls";
import type { TLSSocket } from "node:tls";
import { issue, type Issued } from "../../scripts/pki";
import { prng } from "./stats";

export const HOSTS = 500;
export const INTERMEDIATES = 40;
export const PER_HOST = 4;
export const THIRD_PARTIES = 5;
/** Responses per page load: the document and its subresources. */
export const RESPONSES_PER_LOAD = 1 + PER_HOST * (1 + THIRD_PARTIES);

export const hostName = (i: number) => `h${i}.soak.test`;

export interface SoakSites {
  rootPemPath: string;
  port: number;
  hosts: string[];
  /** The URL of load number `n` on host `host`. */
  pageUrl(host: number, n: number | string): string;
  close(): Promise<void>;
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="olive"/></svg>';

/** The hosts a page on `host` takes subresources from, for load `n`: deterministic. */
export function thirdParties(host: number, n: number): number[] {
  const random = prng(n * 7919 + host);
  const picked = new Set<number>([host]);
  const out: number[] = [];
  const pick = (range: number) => {
    for (;;) {
      const h = Math.floor(random() * range);
      if (!picked.has(h)) return (picked.add(h), out.push(h));
    }
  };
  pick(20);
  pick(20);
  while (out.length < THIRD_PARTIES) pick(HOSTS);
  return out;
}

function pageHtml(port: number, host: number, n: string): string {
  const items: string[] = [];
  for (const h of [host, ...thirdParties(host, Number(n) || 0)]) {
    const base = `https://${hostName(h)}:${port}`;
    for (let j = 0; j < PER_HOST; j++) {
      const q = `n=${encodeURIComponent(n)}&p=${host}&j=${j}`;
      if (j === 0) items.push(`<link rel="stylesheet" href="${base}/c.css?${q}" onload="__one()" onerror="__one(1)">`);
      else if (j === 1) items.push(`<script async src="${base}/s.js?${q}" onload="__one()" onerror="__one(1)"></script>`);
      else items.push(`<img src="${base}/i.svg?${q}" width="4" height="4" alt="" onload="__one()" onerror="__one(1)">`);
    }
  }
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${hostName(host)} ${n}</title>` +
    `<script>var __left=${items.length},__failed=0;function __one(f){if(f)__failed++;if(--__left===0)performance.mark("all-loaded")}</script>` +
    `</head><body><h1>${hostName(host)}</h1>${items.join("")}</body></html>`
  );
}

export async function startSoakSites({ dir, port = 7443 }: { dir: string; port?: number }): Promise<SoakSites> {
  mkdirSync(dir, { recursive: true });
  const root = await issue({ subject: "CN=Chain Sentry Soak Root,O=Chain Sentry Bench" });
  const intermediates: Issued[] = [];
  for (let i = 0; i < INTERMEDIATES; i++) {
    intermediates.push(await issue({ subject: `CN=Soak CA ${i},O=Chain Sentry Soak ${i % 8}`, issuer: root, ca: true }));
  }
  const hosts = Array.from({ length: HOSTS }, (_, i) => hostName(i));
  const contexts = new Map<string, tls.SecureContext>();
  for (const [i, host] of hosts.entries()) {
    const inter = intermediates[i % INTERMEDIATES];
    const leaf = await issue({ subject: `CN=${host}`, issuer: inter, hosts: [host] });
    contexts.set(host, tls.createSecureContext({ key: leaf.keyPem, cert: leaf.pem + inter.pem }));
  }
  const rootPemPath = path.join(dir, "soak-root.pem");
  writeFileSync(rootPemPath, root.pem);
  const sockets = new Set<TLSSocket>();
  const first = contexts.get(hosts[0])!;
  const server = http2.createSecureServer(
    {
      SNICallback: (name, cb) => cb(null, contexts.get(name) ?? first),
      // For a client that sends no server name (Firefox always does).
      secureContext: first,
      allowHTTP1: true,
    },
    (req, res) => {
      const url = new URL(req.url ?? "/", "https://soak.test");
      const host = hosts.indexOf(String(req.headers[":authority"] ?? req.headers.host ?? "").replace(/:\d+$/, ""));
      const send = (type: string, body: string) =>
        res.writeHead(200, { "content-type": type, "cache-control": "no-store", "access-control-allow-origin": "*" }).end(body);
      if (url.pathname === "/i.svg") return send("image/svg+xml", SVG);
      if (url.pathname === "/s.js") return send("text/javascript", "void 0;");
      if (url.pathname === "/c.css") return send("text/css", "h1{font:14px sans-serif}");
      if (url.pathname === "/p" && host >= 0) return send("text/html; charset=utf-8", pageHtml(port, host, url.searchParams.get("n") ?? "0"));
      res.writeHead(404).end();
    },
  );
  server.on("secureConnection", (socket: TLSSocket) => sockets.add(socket.once("close", () => sockets.delete(socket))));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    rootPemPath,
    port,
    hosts,
    pageUrl: (host, n) => `https://${hostName(host)}:${port}/p?n=${encodeURIComponent(String(n))}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
