import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { TabView } from "../../popup/chain/TabView";
import { base64ToBytes, pemToDerList } from "../../src/encoding";
import { bytesToBase64 } from "../../src/encoding";
import { MAX_CERTIFICATE_BYTES, type ChainRecord, type TabState } from "../../src/protocol";
import type { MockData } from "../../popup/connect/mock";
import { captureDownloads, decoder, fixtures, mockClipboard, renderWithMock, TAB } from "./support";

const popup = (tabId: number | null, options: Parameters<typeof renderWithMock>[1] = {}) =>
  renderWithMock(<TabView requestedTabId={tabId} layout="popup" refreshMs={0} />, options);

const tabState = (tabId: number) => fixtures.tabs[String(tabId)];

/** What the background holds of a record's certificates, as ui-bg-get-certificate serves them (leaf first; null: no bytes). */
const bytesOf = (record: ChainRecord) => record.verdict.chain.map((c, i) => (record.derAvailable[i] ? fixtures.certificates[c.sha256] : null));

/** The rungs of the first ladder on screen (the page's own chain), leaf first. */
async function rungs(): Promise<HTMLElement[]> {
  const [ladder] = await screen.findAllByRole("list", { name: "Certificate chain, site certificate first" });
  return Array.from(ladder.children) as HTMLElement[];
}

function badgeLabels(rung: HTMLElement): string[] {
  const list = within(rung).queryByRole("list", { name: /^Badges for/ });
  return list
    ? within(list)
        .getAllByRole("listitem")
        .map((li) => li.textContent!.trim())
    : [];
}

/** The verdict banner once the tab's state has arrived (the skeleton is busy). */
function findBanner(role: "alert" | "status"): Promise<HTMLElement> {
  return waitFor(() => {
    const banner = screen.getByRole(role);
    expect(banner.getAttribute("aria-busy")).toBeNull();
    return banner;
  });
}

afterEach(() => jest.restoreAllMocks());

describe("verdict banner", () => {
  test("blocked: names the blocklisted intermediate and its incident, with the reference", async () => {
    popup(TAB.flame);
    const banner = await screen.findByRole("alert");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe(
      "Blocked: this site's chain includes Microsoft Enforced Licensing Intermediate PCA — Flame malware (2012)",
    );
    expect(banner.textContent).toMatch(/matches the Flame \(Microsoft Security Advisory 2718704\) entry/);
    expect(within(banner).getByRole("link", { name: "Reference" }).getAttribute("href")).toBe(
      "https://learn.microsoft.com/en-us/security-updates/securityadvisories/2012/2718704",
    );
  });

  test("warning: the server-supplied intermediate under a non-built-in root (the real chain Firefox captured)", async () => {
    popup(TAB.interception);
    const banner = await screen.findByRole("alert");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe("Warning: intermediate not known to Firefox's store, supplied by the server");
    expect(banner.textContent).toMatch(/"Probe Intermediate"/);
    expect(within(banner).getByRole("link", { name: "Reference" }).getAttribute("href")).toMatch(/Intermediate_Preloading/);
  });

  test('a connection Firefox refused: the banner gives Firefox\'s reason, not "no TLS seen"', async () => {
    const refused: TabState = {
      tabId: 99,
      url: "https://localhost:8446/",
      top: null,
      origins: [],
      unchecked: [],
      level: "ok",
      updatedAt: 1,
      failures: [{ url: "https://localhost:8446/", origin: "https://localhost:8446", error: "Peer’s Certificate has expired.", type: "main_frame", time: 1 }],
    };
    popup(99, { data: { ...fixtures, tabs: { ...fixtures.tabs, "99": refused } } });
    const banner = await screen.findByRole("alert");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe("Firefox refused the connection to localhost:8446: Peer’s Certificate has expired.");
    expect(banner.textContent).not.toMatch(/No TLS connection seen/);
  });

  test("notice: polite, not an alert", async () => {
    popup(TAB.notice);
    const banner = await findBanner("status");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe("Notice: intermediate not in the bundled known store");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("ok: no problems found", async () => {
    popup(TAB.ok);
    const banner = await findBanner("status");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe("No problems found");
    expect(banner.textContent).toMatch(/cdn\.ok-demo\.example/);
  });

  test("a blocked certificate in a chain the page loaded from another origin", async () => {
    popup(TAB.blockedSubresource);
    const banner = await screen.findByRole("alert");
    expect(banner.querySelector(".banner-headline")!.textContent).toBe(
      "Blocked: the chain of update.flame-demo.example, which this page loaded, includes Microsoft Enforced Licensing Intermediate PCA — Flame malware (2012)",
    );
  });

  test("http: pages, tabs with no TLS seen, and browser or extension pages each say so", async () => {
    const http = popup(TAB.http);
    expect((await findBanner("status")).textContent).toMatch(/^Not encrypted: this page was loaded over plain HTTP/);
    http.unmount();

    const unseen = popup(999);
    expect((await findBanner("status")).textContent).toMatch(/^No TLS connection seen for this tab/);
    unseen.unmount();

    popup(null, { activeTab: { id: 998, url: "about:addons" } });
    expect((await findBanner("status")).textContent).toMatch(/^Nothing to check on this page/);
  });

  test("without ?tabId the popup shows the active tab", async () => {
    popup(null, { activeTab: { id: TAB.notice } });
    expect((await findBanner("status")).textContent).toMatch(/^Notice:/);
    expect(screen.getByRole("banner").textContent).toBe("Chain Sentrynews.notice-demo.example");
  });

  test("space is reserved while the state arrives", async () => {
    popup(TAB.ok, { delayMs: 30 });
    const pending = screen.getByRole("status");
    expect(pending.textContent).toBe("Checking this tab…");
    expect(pending.getAttribute("aria-busy")).toBe("true");
    await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/^No problems found/));
  });

  test("a background that does not answer is reported, with a way to try again", async () => {
    let fail = true;
    popup(TAB.ok, {
      override: {
        "ui-bg-get-tab-state": () => {
          if (fail) throw new Error("Could not establish connection. Receiving end does not exist.");
          return tabState(TAB.ok);
        },
      },
    });
    const error = await screen.findByRole("alert");
    expect(error.textContent).toMatch(/did not answer.*Receiving end does not exist/);
    fail = false;
    fireEvent.click(within(error).getByRole("button", { name: "Try again" }));
    expect((await findBanner("status")).textContent).toMatch(/^No problems found/);
  });
});

test("the popup refreshes while open, and a failed refresh keeps what is shown", async () => {
  let calls = 0;
  renderWithMock(<TabView requestedTabId={TAB.ok} layout="popup" refreshMs={20} />, {
    override: {
      "ui-bg-get-tab-state": () => {
        calls++;
        if (calls === 1) return null;
        if (calls === 2) return tabState(TAB.ok);
        throw new Error("Could not establish connection. Receiving end does not exist.");
      },
    },
  });
  await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/^No TLS connection seen/));
  await waitFor(() => expect(screen.getByRole("status").textContent).toMatch(/^No problems found/));
  await waitFor(() => expect(calls).toBeGreaterThan(3));
  expect(screen.getByRole("status").textContent).toMatch(/^No problems found/);
  expect(screen.queryByRole("alert")).toBeNull();
});

describe("certificate ladder", () => {
  test("badges sit on the rung of the certificate they describe", async () => {
    popup(TAB.badges);
    const [leaf, future, broken, root] = await rungs();
    expect(within(leaf).getByText("Site certificate")).toBeTruthy();
    expect(badgeLabels(leaf)).toEqual(["SHA-1", "Expired", "Weak key"]);
    expect(badgeLabels(future)).toEqual(["Dynamically supplied", "Not yet valid"]);
    expect(badgeLabels(broken)).toEqual(["Dynamically supplied", "Not yet valid", "Malformed"]);
    expect(within(root).getByText("DigiNotar Root CA")).toBeTruthy();
    expect(badgeLabels(root)).toEqual(["Blocked", "Non-built-in root", "Expired"]);
  });

  test("allowlisted, built-in and blocked certificates are marked as such", async () => {
    const ok = popup(TAB.ok);
    let [leaf, intermediate, root] = await rungs();
    expect(badgeLabels(leaf)).toEqual([]);
    expect(badgeLabels(intermediate)).toEqual(["Dynamically supplied", "Allowlisted"]);
    expect(badgeLabels(root)).toEqual(["Built-in"]);
    ok.unmount();

    popup(TAB.flame);
    [leaf, intermediate, root] = await rungs();
    expect(badgeLabels(intermediate)).toEqual(["Blocked", "Dynamically supplied"]);
    expect(badgeLabels(root)).toEqual(["Built-in"]);
  });

  test("a certificate's decoded fields are asked for only when it is expanded, once", async () => {
    const { connector } = popup(TAB.ok);
    const [leaf] = await rungs();
    const certificateRequests = () => connector.calls.filter((c) => c.type === "ui-bg-get-certificate");
    expect(certificateRequests()).toEqual([]);

    const toggle = within(leaf).getByRole("button", { name: /cdn\.ok-demo\.example/ });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    const sha256 = tabState(TAB.ok).top!.verdict.chain[0].sha256;
    expect(certificateRequests()).toEqual([{ type: "ui-bg-get-certificate", request: { tabId: TAB.ok, sha256 } }]);

    const decoded = await within(leaf).findByRole("group", { name: "Decoded certificate" });
    expect(within(decoded).getByText("DNS:cdn.ok-demo.example")).toBeTruthy();
    for (const label of [
      "Subject alternative names",
      "Signature algorithm",
      "Key usage",
      "Extended key usage",
      "Authority key identifier",
      "Embedded SCTs",
      "Extensions",
    ]) {
      expect(within(decoded).getByText(label)).toBeTruthy();
    }
    expect(within(decoded).getByText("serverAuth (1.3.6.1.5.5.7.3.1)")).toBeTruthy();

    fireEvent.click(toggle);
    fireEvent.click(toggle);
    await within(leaf).findByText("DNS:cdn.ok-demo.example");
    expect(certificateRequests()).toHaveLength(1);
    expect(decoder).toHaveBeenCalledTimes(1);
  });

  test("the same certificate opened in another chain of the page is neither asked for nor decoded again", async () => {
    const { connector } = popup(TAB.ok);
    const [leaf] = await rungs();
    fireEvent.click(within(leaf).getByRole("button", { name: /cdn\.ok-demo\.example/ }));
    await within(leaf).findByRole("group", { name: "Decoded certificate" });

    const origins = (await screen.findByRole("heading", { name: /Origins this page loaded over TLS/ })).parentElement!;
    fireEvent.click(within(origins).getByRole("button", { name: /https:\/\/cdn\.ok-demo\.example/ }));
    const [otherLeaf] = Array.from(within(origins).getByRole("list", { name: "Certificate chain, site certificate first" }).children) as HTMLElement[];
    fireEvent.click(within(otherLeaf).getByRole("button", { name: /cdn\.ok-demo\.example/ }));
    const decoded = await within(otherLeaf).findByRole("group", { name: "Decoded certificate" });
    expect(within(decoded).getByText("DNS:cdn.ok-demo.example")).toBeTruthy();
    expect(connector.calls.filter((c) => c.type === "ui-bg-get-certificate")).toHaveLength(1);
    expect(decoder).toHaveBeenCalledTimes(1);
  });

  test("a certificate whose bytes do not decode, or without bytes, says why", async () => {
    const badges = popup(TAB.badges);
    const [, , broken] = await rungs();
    fireEvent.click(within(broken).getByRole("button", { name: /Broken Bytes CA/ }));
    expect(await within(broken).findByText(/^Decoded fields unavailable: The certificate could not be decoded: \S/)).toBeTruthy();
    badges.unmount();

    // Firefox gave no bytes for the Flame chain's root.
    popup(TAB.flame);
    const [, , root] = await rungs();
    fireEvent.click(within(root).getByRole("button", { name: /Microsoft Root Authority/ }));
    expect(await within(root).findByText(/^Decoded fields unavailable: Firefox gave no bytes/)).toBeTruthy();
    expect(decoder).toHaveBeenCalledTimes(1);
  });

  test("a certificate over the size cap is refused with its size, and nothing is decoded", async () => {
    const data = JSON.parse(JSON.stringify(fixtures)) as MockData;
    const sha256 = tabState(TAB.ok).top!.verdict.chain[0].sha256;
    data.certificates[sha256] = bytesToBase64(new Uint8Array(MAX_CERTIFICATE_BYTES + 1));
    popup(TAB.ok, { data });
    const [leaf] = await rungs();
    fireEvent.click(within(leaf).getByRole("button", { name: /cdn\.ok-demo\.example/ }));
    const [size, cap] = [MAX_CERTIFICATE_BYTES + 1, MAX_CERTIFICATE_BYTES].map((n) => n.toLocaleString("en"));
    expect(
      await within(leaf).findByText(`Decoded fields unavailable: The certificate is ${size} bytes, more than the ${cap} Chain Sentry decodes.`),
    ).toBeTruthy();
    expect(within(leaf).queryByRole("group", { name: "Decoded certificate" })).toBeNull();
    expect(decoder).not.toHaveBeenCalled();
  });

  test("fingerprints and SPKI hash copy to the clipboard", async () => {
    const writeText = mockClipboard();
    popup(TAB.interception);
    const [, intermediate] = await rungs();
    fireEvent.click(within(intermediate).getByRole("button", { name: /Probe Intermediate/ }));
    const cert = tabState(TAB.interception).top!.verdict.chain[1];

    fireEvent.click(within(intermediate).getByRole("button", { name: "Copy SHA-256" }));
    expect(writeText).toHaveBeenLastCalledWith(cert.sha256);
    await waitFor(() => expect(within(intermediate).getByRole("button", { name: "Copy SHA-256" }).textContent).toBe("Copied"));

    fireEvent.click(within(intermediate).getByRole("button", { name: "Copy SPKI SHA-256" }));
    expect(writeText).toHaveBeenLastCalledWith(cert.spkiSha256);
  });

  test("crt.sh opens in a new tab by SHA-256 without colons", async () => {
    const { openTab } = popup(TAB.interception);
    const [leaf] = await rungs();
    fireEvent.click(within(leaf).getByRole("button", { name: /localhost/ }));
    const link = within(leaf).getByRole("link", { name: /on crt\.sh/ });
    const hex = tabState(TAB.interception).top!.verdict.chain[0].sha256.replaceAll(":", "");
    expect(link.getAttribute("href")).toBe(`https://crt.sh/?sha256=${hex}`);
    fireEvent.click(link);
    expect(openTab).toHaveBeenCalledWith(`https://crt.sh/?sha256=${hex}`);
  });
});

describe("connection, origins and failures", () => {
  test("connection details as Firefox reported them", async () => {
    popup(TAB.interception);
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    fireEvent.click(within(section).getByRole("button", { name: "Connection details" }));
    const details = within(section).getByRole("group", { name: "Connection details" });
    const value = (label: string) => within(details).getByText(label).nextElementSibling!.textContent;
    expect(value("TLS version")).toBe("TLSv1.3");
    expect(value("Cipher suite")).toBe("TLS_AES_256_GCM_SHA384");
    expect(value("Key exchange group")).toBe("x25519");
    expect(value("Signature scheme")).toBe("ECDSA-P256-SHA256");
    expect(value("Certificate Transparency")).toMatch(/^Not applicable/);
    expect(value("Secret key length")).toBe("256 bits");
    expect(value("HSTS")).toBe("No");
    expect(value("OCSP")).toBe("Not used");
    expect(value("Encrypted Client Hello (ECH)")).toBe("Not used");
  });

  test("other origins expand into their own chains", async () => {
    popup(TAB.flame);
    const heading = await screen.findByRole("heading", { name: "Origins this page loaded over TLS (3)" });
    const section = heading.parentElement!;
    const cdn = within(section).getByRole("button", { name: /https:\/\/cdn\.ok-demo\.example/ });
    expect(cdn.textContent).toMatch(/OK/);
    expect(within(section).getByRole("button", { name: /https:\/\/localhost:8443/ }).textContent).toMatch(/Warning/);
    expect(within(section).queryByText("Demo Public TLS CA 2026")).toBeNull();

    fireEvent.click(cdn);
    expect(cdn.getAttribute("aria-expanded")).toBe("true");
    const panel = document.getElementById(cdn.getAttribute("aria-controls")!)!;
    const ladder = within(panel).getByRole("list", { name: "Certificate chain, site certificate first" });
    const [, intermediate] = Array.from(ladder.children) as HTMLElement[];
    expect(within(intermediate).getByText("Demo Public TLS CA 2026")).toBeTruthy();
    expect(badgeLabels(intermediate)).toContain("Allowlisted");
  });

  test("Firefox's own TLS errors are listed", async () => {
    popup(TAB.interception);
    const section = (await screen.findByRole("heading", { name: "Connections Firefox refused (1)" })).parentElement!;
    expect(within(section).getByText("Peer’s Certificate issuer is not recognized.")).toBeTruthy();
    expect(within(section).getByText("https://tracker.bad-demo.example/pixel.gif")).toBeTruthy();
  });

  test("no failures section when Firefox raised none", async () => {
    popup(TAB.ok);
    await findBanner("status");
    expect(screen.queryByRole("heading", { name: /Connections Firefox refused/ })).toBeNull();
  });
});

describe("analyst actions", () => {
  test("the chain downloads as PEM, leaf first, decoding back to Firefox's DER", async () => {
    const downloads = captureDownloads();
    popup(TAB.interception);
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    fireEvent.click(within(section).getByRole("button", { name: "Download chain (PEM)" }));

    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0].filename).toBe("localhost_8443-chain.pem");
    const pem = await downloads[0].text();
    expect(pem.startsWith("-----BEGIN CERTIFICATE-----\n")).toBe(true);
    const ders = pemToDerList(pem);
    const expected = bytesOf(tabState(TAB.interception).top!).map((b64) => base64ToBytes(b64!));
    expect(ders).toEqual(expected);
    // Leaf first: the first block names localhost, the last is the root.
    const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);
    expect(ascii(ders[0])).toMatch(/localhost/);
    expect(ascii(ders[2])).toMatch(/Probe Root/);
  });

  test("certificates without bytes are left out of the PEM, and the popup says so", async () => {
    const downloads = captureDownloads();
    popup(TAB.flame);
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    expect(within(section).getByText("The PEM file leaves out certificate 3 (root certificate): Firefox gave no bytes for it.")).toBeTruthy();
    fireEvent.click(within(section).getByRole("button", { name: "Download chain (PEM)" }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    const ders = pemToDerList(await downloads[0].text());
    expect(ders).toEqual(
      bytesOf(tabState(TAB.flame).top!)
        .slice(0, 2)
        .map((b64) => base64ToBytes(b64!)),
    );
  });

  test("the tab's state brings no certificate bytes: the PEM asks for each certificate's by SHA-256 when it is made", async () => {
    const downloads = captureDownloads();
    const { connector } = popup(TAB.flame);
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    const asked = () => connector.calls.filter((c) => c.type === "ui-bg-get-certificate").map((c) => c.request);
    expect(asked()).toEqual([]);
    fireEvent.click(within(section).getByRole("button", { name: "Download chain (PEM)" }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    // The root has no bytes (Firefox gave none): it is not asked for.
    const { chain } = tabState(TAB.flame).top!.verdict;
    expect(asked()).toEqual(chain.slice(0, 2).map((c) => ({ tabId: TAB.flame, sha256: c.sha256 })));
  });

  test("bytes the background no longer has (after a restart) are left out of the PEM", async () => {
    const downloads = captureDownloads();
    const { chain } = tabState(TAB.interception).top!.verdict;
    const { [chain[1].sha256]: _gone, ...certificates } = fixtures.certificates;
    popup(TAB.interception, { data: { ...fixtures, certificates } });
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    fireEvent.click(within(section).getByRole("button", { name: "Download chain (PEM)" }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(pemToDerList(await downloads[0].text())).toEqual([chain[0], chain[2]].map((c) => base64ToBytes(fixtures.certificates[c.sha256])));
  });

  test("the whole analysis downloads as JSON", async () => {
    const downloads = captureDownloads();
    popup(TAB.flame);
    await screen.findByRole("alert");
    fireEvent.click(screen.getByRole("button", { name: "Download analysis (JSON)" }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0].filename).toMatch(/^chain-sentry-update\.flame-demo\.example-\d{8}-\d{6}\.json$/);
    expect(downloads[0].type).toBe("application/json");
    // The decoded SCTs ride along (test/components/ct.test.tsx); the rest is the tab's state as served,
    // each chain with its certificates' bytes, asked for by SHA-256 as the file was made.
    const { embeddedScts: _scts, ...state } = JSON.parse(await downloads[0].text()) as TabState & { embeddedScts: unknown };
    const served = tabState(TAB.flame);
    const withBytes = (r: ChainRecord) => ({ ...r, der: bytesOf(r) });
    expect(state).toEqual({ ...served, top: withBytes(served.top!), origins: served.origins.map((o) => ({ ...o, chains: o.chains.map(withBytes) })) });
  });

  test("Open in a tab opens the full-width chain page for this tab", async () => {
    const { openTab } = popup(TAB.interception);
    await screen.findByRole("alert");
    fireEvent.click(screen.getByRole("button", { name: "Open in a tab" }));
    expect(openTab).toHaveBeenCalledWith(`chain.html?tabId=${TAB.interception}`);
  });

  test("the chain page shows the same view full width, connection details open", async () => {
    renderWithMock(<TabView requestedTabId={TAB.interception} layout="page" refreshMs={0} />);
    await screen.findByRole("alert");
    expect(screen.queryByRole("button", { name: "Open in a tab" })).toBeNull();
    expect(screen.getByRole("button", { name: "Connection details" }).getAttribute("aria-expanded")).toBe("true");
    await waitFor(() => expect(document.title).toBe("Chain Sentry — localhost:8443"));
  });
});
