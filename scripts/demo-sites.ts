/**
 * The demo world: a PKI generated at run time and local HTTPS sites on 127.0.0.1, one per case
 * Chain Sentry distinguishes, plus the enterprise policy that trusts the demo root and configures
 * the extension. Used by `npm run demo`, the end-to-end suite and the benchmark.
 *
 *   clean      leaf ← Demo Intermediate ← Demo Root           both CAs allowlisted by policy → ok
 *   blocked    leaf ← "Microsoft Enforced Licensing Intermediate PCA" (a stand-in for Flame's)
 *              whose key is on the policy blocklist                                     → blocked
 *   dynamic    leaf ← Unlisted Issuing CA (not allowlisted, not in Firefox's store)     → warning
 *   expired    an expired leaf: Firefox itself refuses it, Chain Sentry records why     → TLS error
 *   leaf-only  the server omits its intermediate: Firefox cannot build the chain        → TLS error
 *   mixed      a page whose subresources come from clean, dynamic and blocked origins   → blocked
 *   ct         a clean chain whose leaf carries the embedded SCTs of a real certificate
 *              (CT_SCT_SOURCE): Firefox checks CT only under built-in roots              → ok
 *
 * Every server logs the requests it received (`sites.requests(port)`), so a test can tell what
 * reached a site and what the browser stopped before sending. The clean site also serves
 * /long/<anything> (its index page, for very long URLs) and a service worker under /sw/ (see
 * SERVICE_WORKER): /sw/ registers it, and it answers /sw/page itself without the network.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { issue, type Issued } from "./pki";
import { Extension, X509Certificate } from "@peculiar/x509"; // after ./pki, which loads the Reflect polyfill it needs

export const EXTENSION_ID = "chain-sentry@chainsentry.dev";
/** The real certificate (test/fixtures/ct/PROVENANCE.md) whose SCT list the ct case's leaf carries. */
export const CT_SCT_SOURCE = fileURLToPath(new URL("../test/fixtures/ct/aws_amazon_com_valid_1.crt", import.meta.url));
const OID_SCT_LIST = "1.3.6.1.4.1.11129.2.4.2";
const DAY = 86_400_000;

export interface DemoCase {
  id: "clean" | "blocked" | "dynamic" | "expired" | "leaf-only" | "mixed" | "ct";
  title: string;
  url: string;
  /** What Chain Sentry should conclude for the tab. */
  expected: "ok" | "warning" | "blocked" | "tls-error";
  description: string;
}

export interface DemoPki {
  root: Issued;
  intermediate: Issued;
  rogue: Issued;
  unlisted: Issued;
  orphan: Issued;
}

export interface DemoSites {
  pki: DemoPki;
  rootPemPath: string;
  cases: DemoCase[];
  indexUrl: string;
  /** Every HTTP request the server on `port` received so far, oldest first (a copy). */
  requests(port: number): ReceivedRequest[];
  /**
   * Not a demo case: a site whose CA chain a test switches while it runs (the history's chain-changed
   * event). It starts with a leaf 10 days from its end under the unlisted CA; `switchChain` moves to
   * a leaf with the same key under another unlisted CA, for connections made from then on.
   */
  changingChain: { url: string; switchChain(): void };
  /** The clean site's service-worker pages: `register` installs the worker, which then makes `page` itself. */
  serviceWorker: { register: string; page: string };
  /** The extension's managed configuration (policies.json → 3rdparty) the cases assume. */
  managedConfig: Record<string, unknown>;
  /** Firefox enterprise policies: trust the demo root, configure Chain Sentry (extra keys merged in). */
  policies(extraConfig?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface Site {
  port: number;
  /** Leaf first; what the server sends in the handshake. */
  chain: Issued[];
  /** HTML for "/" and "/mixed" (given the path). */
  body: (path: string) => string;
  /** Extra routes by exact path: [content type, body]. */
  routes?: Record<string, [string, string]>;
  /** Serve `body(path)` for paths under this prefix too (very long URLs). */
  longPrefix?: string;
}

/** One request a demo server received. `path` is the request target as sent (path and query). */
export interface ReceivedRequest {
  method: string;
  path: string;
  time: number;
}

/**
 * The clean site's service worker: it takes control of /sw/ and answers /sw/page with a response
 * it makes itself, so that page comes from no TLS connection (Firefox reports no chain for it).
 */
export const SERVICE_WORKER = `
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (new URL(event.request.url).pathname !== "/sw/page") return;
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>Service worker page</title></head>' +
    '<body><h1 id="site-content">Service worker page</h1><p>Made by the service worker of the site.</p></body></html>';
  event.respondWith(new Response(html, { headers: { "content-type": "text/html" } }));
});
`;

export const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/style.css"></head>` +
  `<body><h1 id="site-content">${title}</h1>${body}<script src="/app.js"></script></body></html>`;

/** An HTTPS server on `host:site.port` presenting `site.chain`, with a page and three subresources. */
export function serve(site: Site, host = "127.0.0.1", log?: ReceivedRequest[]): Promise<https.Server> {
  // A request line up to 8 MB: Node's default (16 KB) would answer very long URLs with 431.
  const options = { key: site.chain[0].keyPem, cert: site.chain.map((c) => c.pem).join(""), maxHeaderSize: 8 * 1024 * 1024 };
  const server = https.createServer(options, (req, res) => {
    log?.push({ method: req.method ?? "", path: req.url ?? "", time: Date.now() });
    const noStore = { "cache-control": "no-store", "access-control-allow-origin": "*" };
    const p = (req.url ?? "/").split("?")[0];
    const route = site.routes?.[p];
    if (route) return res.writeHead(200, { "content-type": route[0], ...noStore }).end(route[1]);
    if (site.longPrefix && p.startsWith(site.longPrefix)) return res.writeHead(200, { "content-type": "text/html", ...noStore }).end(site.body(p));
    if (p === "/style.css") return res.writeHead(200, { "content-type": "text/css", ...noStore }).end("body{font:16px sans-serif;margin:2em}");
    if (p === "/app.js") return res.writeHead(200, { "content-type": "text/javascript", ...noStore }).end("document.body.dataset.script='ran';");
    if (p === "/pixel.svg") {
      return res
        .writeHead(200, { "content-type": "image/svg+xml", ...noStore })
        .end('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="teal"/></svg>');
    }
    if (p === "/" || p === "/mixed") return res.writeHead(200, { "content-type": "text/html", ...noStore }).end(site.body(p));
    res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(site.port, host, () => resolve(server));
  });
}

/** The SCT list extension of CT_SCT_SOURCE, byte for byte. */
function realSctList(): Extension {
  const sct = new X509Certificate(readFileSync(CT_SCT_SOURCE)).getExtension(OID_SCT_LIST);
  if (!sct) throw new Error(`${CT_SCT_SOURCE} has no SCT list extension`);
  return new Extension(OID_SCT_LIST, false, sct.value);
}

export async function makeDemoPki(): Promise<DemoPki> {
  const root = await issue({ subject: "CN=Chain Sentry Demo Root,O=Chain Sentry Demo" });
  const inter = (subject: string) => issue({ subject, issuer: root, ca: true });
  return {
    root,
    intermediate: await inter("CN=Chain Sentry Demo Intermediate,O=Chain Sentry Demo"),
    rogue: await inter("CN=Microsoft Enforced Licensing Intermediate PCA,OU=Copyright (c) 1999 Microsoft Corp.,O=Microsoft Corporation"),
    unlisted: await inter("CN=Unlisted Issuing CA,O=Somewhere Else"),
    orphan: await inter("CN=Orphan Intermediate,O=Chain Sentry Demo"),
  };
}

/**
 * Starts the sites on consecutive ports from `basePort` (on localhost) and writes the demo root to
 * `dir/demo-root.pem` for the Certificates.Install policy.
 */
export async function startDemoSites({ dir, basePort = 8443, host = "127.0.0.1" }: { dir: string; basePort?: number; host?: string }): Promise<DemoSites> {
  mkdirSync(dir, { recursive: true });
  const pki = await makeDemoPki();
  const rootPemPath = path.join(dir, "demo-root.pem");
  writeFileSync(rootPemPath, pki.root.pem);

  const port = (i: number) => basePort + i;
  const url: DemoUrl = (i, p = "/") => `https://localhost:${port(i)}${p}`;
  const cases = demoCases(url);
  const sites = await caseSites(pki, port, url, cases);
  const { site: changing, renewed } = await changingChainSite(pki, port(9));
  sites.push(changing);
  const logs = new Map<number, ReceivedRequest[]>(sites.map((s) => [s.port, []]));
  const servers = await Promise.all(sites.map((s) => serve(s, host, logs.get(s.port))));
  const managedConfig = await demoManagedConfig(pki);

  return {
    pki,
    rootPemPath,
    cases,
    indexUrl: url(0),
    requests: (p) => [...(logs.get(p) ?? [])],
    serviceWorker: { register: url(0, "/sw/"), page: url(0, "/sw/page") },
    changingChain: {
      url: url(9),
      switchChain() {
        const server = servers[sites.indexOf(changing)];
        server.setSecureContext({ key: renewed[0].keyPem, cert: renewed.map((c) => c.pem).join("") });
        // A resumed session or an open connection would go on presenting the old chain: Firefox
        // reports the chain of the session it resumes, and the server keeps its ticket keys.
        server.setTicketKeys(randomBytes(48));
        server.closeAllConnections();
      },
    },
    managedConfig,
    policies: (extra = {}) => ({
      Certificates: { Install: [rootPemPath] },
      "3rdparty": { Extensions: { [EXTENSION_ID]: { ...managedConfig, ...extra } } },
    }),
    async close() {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/** The URL of path `p` on the site at offset `i` from the base port. */
type DemoUrl = (i: number, p?: string) => string;

/** A leaf for localhost and 127.0.0.1, as every site presents. */
const demoLeaf = (issuer: Issued, extra: Partial<Parameters<typeof issue>[0]> = {}) =>
  issue({ subject: "CN=localhost", issuer, hosts: ["localhost", "127.0.0.1"], ...extra });

/** The page of a site that only has to be reached. */
const plainPage = (title: string) => () => page(title, `<p>Served by ${title.toLowerCase()} for the Chain Sentry demo.</p>`);

function demoCases(url: DemoUrl): DemoCase[] {
  return [
    {
      id: "clean",
      title: "Clean chain",
      url: url(0),
      expected: "ok",
      description: "A chain under the demo root and intermediate, both allowlisted by policy.",
    },
    {
      id: "blocked",
      title: "Blocked intermediate",
      url: url(1),
      expected: "blocked",
      description: "An intermediate named like Flame's, whose key is on the policy blocklist.",
    },
    {
      id: "dynamic",
      title: "Dynamically supplied intermediate",
      url: url(2),
      expected: "warning",
      description: "An intermediate that is neither in Firefox's store nor allowlisted.",
    },
    {
      id: "expired",
      title: "Expired certificate",
      url: url(3),
      expected: "tls-error",
      description: "Firefox refuses the expired leaf; Chain Sentry records Firefox's reason.",
    },
    {
      id: "leaf-only",
      title: "Leaf only",
      url: url(4),
      expected: "tls-error",
      description: "The server omits its intermediate, so Firefox cannot build the chain.",
    },
    {
      id: "mixed",
      title: "Mixed subresources",
      url: url(0, "/mixed"),
      expected: "blocked",
      description: "A clean page loading scripts, styles and images from clean, dynamic and blocked origins.",
    },
    {
      id: "ct",
      title: "Embedded SCTs",
      url: url(5),
      expected: "ok",
      description: "A clean chain whose leaf carries the SCTs of a real certificate (aws.amazon.com), named by their logs in the chain view.",
    },
  ];
}

/** The sites that serve the cases; the first also serves the index of the cases, the mixed page and the service worker. */
async function caseSites(pki: DemoPki, port: (i: number) => number, url: DemoUrl, cases: DemoCase[]): Promise<Site[]> {
  const links = cases.map((c) => `<li><a id="case-${c.id}" href="${c.url}">${c.title}</a> — ${c.description}</li>`).join("");
  const mixedBody = [0, 1, 2]
    .map((i) => `<img src="${url(i, "/pixel.svg")}" alt=""><script src="${url(i, "/app.js")}"></script><link rel="stylesheet" href="${url(i, "/style.css")}">`)
    .join("");
  return [
    {
      port: port(0),
      chain: [await demoLeaf(pki.intermediate), pki.intermediate],
      body: (p) => (p === "/mixed" ? page("Mixed subresources", mixedBody) : page("Chain Sentry demo", `<ul>${links}</ul>`)),
      routes: {
        "/sw/": [
          "text/html",
          page(
            "Service worker registration",
            `<script>navigator.serviceWorker.register("/sw/worker.js", { scope: "/sw/" }).then(() => (document.body.dataset.sw = "registered"), (e) => (document.body.dataset.sw = "failed: " + e));</script>`,
          ),
        ],
        "/sw/worker.js": ["text/javascript", SERVICE_WORKER],
      },
      longPrefix: "/long/",
    },
    { port: port(1), chain: [await demoLeaf(pki.rogue), pki.rogue], body: plainPage("Blocked intermediate site"), longPrefix: "/long/" },
    { port: port(2), chain: [await demoLeaf(pki.unlisted), pki.unlisted], body: plainPage("Dynamic intermediate site") },
    {
      port: port(3),
      chain: [await demoLeaf(pki.intermediate, { notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - 2 * DAY) }), pki.intermediate],
      body: plainPage("Expired site"),
    },
    { port: port(4), chain: [await demoLeaf(pki.orphan)], body: plainPage("Leaf-only site") },
    { port: port(5), chain: [await demoLeaf(pki.intermediate, { extensions: [realSctList()] }), pki.intermediate], body: plainPage("Embedded SCTs site") },
  ];
}

/** The site of DemoSites.changingChain, and the chain its switchChain moves to. */
async function changingChainSite(pki: DemoPki, port: number): Promise<{ site: Site; renewed: Issued[] }> {
  const replacementCa = await issue({ subject: "CN=Replacement Issuing CA,O=Somewhere Else", issuer: pki.root, ca: true });
  const renewing = await demoLeaf(pki.unlisted, { notAfter: new Date(Date.now() + 10 * DAY) });
  const renewed = [await demoLeaf(replacementCa, { keys: renewing.keys }), replacementCa];
  return { site: { port, chain: [renewing, pki.unlisted], body: plainPage("Changing chain site") }, renewed };
}

/** The extension's managed configuration: the demo root and intermediate allowed, the rogue intermediate's key blocked. */
async function demoManagedConfig(pki: DemoPki): Promise<Record<string, unknown>> {
  const spki = async (c: Issued) => Buffer.from(await crypto.subtle.digest("SHA-256", c.cert.publicKey.rawData)).toString("base64");
  const sha256 = async (c: Issued) => Buffer.from(await crypto.subtle.digest("SHA-256", c.der as BufferSource)).toString("hex");
  return {
    allowlist: [
      { sha256: await sha256(pki.root), label: "Chain Sentry Demo Root" },
      { spkiSha256: await spki(pki.intermediate), label: "Chain Sentry Demo Intermediate" },
    ],
    blocklist: [
      {
        spkiSha256: await spki(pki.rogue),
        label: "Microsoft Enforced Licensing Intermediate PCA (demo stand-in)",
        reason: "Flame malware (2012): stands in for the Microsoft intermediates moved to the Untrusted store by Security Advisory 2718704",
        reference: "https://learn.microsoft.com/en-us/security-updates/securityadvisories/2012/2718704",
      },
    ],
  };
}
