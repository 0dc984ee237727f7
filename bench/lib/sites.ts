/**
 * The Firefox benchmark's world: one root (trusted by enterprise policy), 20 intermediates, and 20
 * HTTPS servers on consecutive ports of 127.0.0.1, each presenting its own leaf and intermediate, so
 * every origin has a distinct chain. HTTP/2 (Node's http2 over TLS with ALPN h2; HTTP/1.1 only as a
 * fallback), as most sites serving many subresources are.
 *
 * Origin 0 serves /page?n=<load>: 200 subresources, 10 per origin (6 images, 2 async scripts,
 * 2 stylesheets), each URL unique per load so that no cache (HTTP or image cache) can answer. The
 * page marks "all-loaded" when the last of the 200 has fired load (or error, counted in __failed).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { issue, type Issued } from "../../scripts/pki";

export const ORIGINS = 20;
export const PER_ORIGIN = { images: 6, scripts: 2, styles: 2 };
export const SUBRESOURCES = ORIGINS * (PER_ORIGIN.images + PER_ORIGIN.scripts + PER_ORIGIN.styles);

export interface BenchSites {
  rootPemPath: string;
  ports: number[];
  origin(i: number): string;
  pageUrl(load: string): string;
  /** Extra files served by origin 0 under /files/<name> (for the blocklist-load page). */
  files: Map<string, { type: string; body: string | Buffer }>;
  close(): Promise<void>;
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="teal"/></svg>';

function pageHtml(origins: string[], load: string): string {
  const items: string[] = [];
  origins.forEach((o, i) => {
    const q = (kind: string, j: number) => `${o}/${kind}?n=${encodeURIComponent(load)}&o=${i}&i=${j}`;
    for (let j = 0; j < PER_ORIGIN.images; j++) items.push(`<img src="${q("img.svg", j)}" width="4" height="4" alt="" onload="__one()" onerror="__one(1)">`);
    for (let j = 0; j < PER_ORIGIN.scripts; j++) items.push(`<script async src="${q("s.js", j)}" onload="__one()" onerror="__one(1)"></script>`);
    for (let j = 0; j < PER_ORIGIN.styles; j++) items.push(`<link rel="stylesheet" href="${q("c.css", j)}" onload="__one()" onerror="__one(1)">`);
  });
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>Chain Sentry bench ${load}</title>` +
    `<script>var __left=${items.length},__failed=0;function __one(f){if(f)__failed++;if(--__left===0)performance.mark("all-loaded")}</script>` +
    `</head><body><h1>200 subresources from 20 origins</h1>${items.join("")}</body></html>`
  );
}

/**
 * `basePort`: where the servers listen. `publicBasePort` (default the same): the ports the pages and
 * `BenchSites` name, when a delaying proxy listens there in front of the servers (bench/lib/delay-proxy.ts).
 */
export async function startBenchSites({
  dir,
  basePort = 9443,
  publicBasePort = basePort,
}: {
  dir: string;
  basePort?: number;
  publicBasePort?: number;
}): Promise<BenchSites> {
  mkdirSync(dir, { recursive: true });
  const root = await issue({ subject: "CN=Chain Sentry Bench Root,O=Chain Sentry Bench" });
  const chains: Issued[][] = [];
  for (let i = 0; i < ORIGINS; i++) {
    const inter = await issue({ subject: `CN=Bench Origin CA ${i},O=Chain Sentry Bench`, issuer: root, ca: true });
    const leaf = await issue({ subject: "CN=localhost", issuer: inter, hosts: ["localhost", "127.0.0.1"] });
    chains.push([leaf, inter]);
  }
  const rootPemPath = path.join(dir, "bench-root.pem");
  writeFileSync(rootPemPath, root.pem);
  const ports = Array.from({ length: ORIGINS }, (_, i) => publicBasePort + i);
  const origin = (i: number) => `https://localhost:${ports[i]}`;
  const origins = ports.map((_, i) => origin(i));
  const files = new Map<string, { type: string; body: string | Buffer }>();
  const sockets = new Set<TLSSocket>();

  const servers = await Promise.all(
    chains.map(
      (chain, i) =>
        new Promise<http2.Http2SecureServer>((resolve, reject) => {
          const server = http2.createSecureServer({ key: chain[0].keyPem, cert: chain.map((c) => c.pem).join(""), allowHTTP1: true }, (req, res) => {
            const url = new URL(req.url ?? "/", "https://localhost");
            const send = (type: string, body: string | Buffer) =>
              res.writeHead(200, { "content-type": type, "cache-control": "no-store", "access-control-allow-origin": "*" }).end(body);
            if (url.pathname === "/img.svg") return send("image/svg+xml", SVG);
            if (url.pathname === "/s.js") return send("text/javascript", "void 0;");
            if (url.pathname === "/c.css") return send("text/css", "h1{font:16px sans-serif}");
            if (url.pathname === "/page" && i === 0) return send("text/html; charset=utf-8", pageHtml(origins, url.searchParams.get("n") ?? "0"));
            const file = i === 0 && url.pathname.startsWith("/files/") ? files.get(url.pathname.slice(7)) : undefined;
            if (file) return send(file.type, file.body);
            res.writeHead(404).end();
          });
          server.on("secureConnection", (socket: TLSSocket) => sockets.add(socket.once("close", () => sockets.delete(socket))));
          server.once("error", reject);
          server.listen(basePort + i, "127.0.0.1", () => resolve(server));
        }),
    ),
  );

  return {
    rootPemPath,
    ports,
    origin,
    pageUrl: (load) => `${origin(0)}/page?n=${encodeURIComponent(load)}`,
    files,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
