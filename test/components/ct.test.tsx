/**
 * Certificate Transparency and revocation facts as an analyst sees them: the embedded SCTs of a real
 * certificate (copied into the fixture leaf) with their logs named from Firefox's table, the count per
 * operator, Firefox's CT status in words, OCSP and CRL locations, must-staple against the stapling
 * the connection used, and the decoded SCTs in the JSON download.
 */
import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TabView } from "../../popup/chain/TabView";
import type { MockData } from "../../popup/connect/mock";
import type { EmbeddedScts } from "../../src/ct/embedded";
import { captureDownloads, decoder, fixtures, renderWithMock } from "./support";

/** The fixture tab whose leaf carries letsencrypt.org's SCT list and must-staple (fixtures/build.ts). */
const CT_TAB = 18;
const ROOT = join(__dirname, "..", "..");
const REAL_CERT = join(ROOT, "test", "fixtures", "ct", "letsencrypt_org_valid_1.crt");

/** The real certificate's SCTs as openssl reads them: base64 log id, ISO time, signature algorithm. */
const opensslScts = (() => {
  const text = execFileSync("/usr/bin/openssl", ["x509", "-inform", "DER", "-in", REAL_CERT, "-noout", "-text"], { encoding: "utf8" });
  return text
    .split("Signed Certificate Timestamp:")
    .slice(1)
    .map((block) => {
      const hex = /Log ID\s*:\s*([0-9A-F:\s]+?)\n\s*Timestamp/.exec(block)![1].replace(/[\s:]/g, "");
      const stamp = /Timestamp\s*:\s*(\w{3})\s+(\d+) (\d\d:\d\d:\d\d)\.(\d+) (\d{4}) GMT/.exec(block)!;
      return {
        logId: Buffer.from(hex, "hex").toString("base64"),
        time: new Date(`${stamp[1]} ${stamp[2]} ${stamp[5]} ${stamp[3]} UTC`).getTime() + Number(stamp[4].padEnd(3, "0")),
        algorithm: /Signature\s*:\s*(\S+)/.exec(block)![1],
      };
    });
})();

/** Firefox's CTKnownLogs.h itself, not the compiled table, release logs only: log id (SHA-256 of the key) → [operator, description, state]. */
const firefoxLogs = (() => {
  const header = readFileSync(join(ROOT, "data", "sources", "mozilla", "CTKnownLogs.h"), "utf8").replace(/#ifdef DEBUG\n[\s\S]*?#endif {2}\/\/ DEBUG\n/g, "");
  const entry = /\{"([^"]+)", CTLogState::(\w+), CTLogFormat::\w+,\s+\d+,\s+\/\/ \S+\s+\d+,\s+\/\/ operated by ([^\n]+)((?:\s+"[^"]*")+),/g;
  const byId = new Map<string, [string, string, string]>();
  for (const [, description, state, operator, key] of header.matchAll(entry)) {
    byId.set(
      createHash("sha256")
        .update(Buffer.from(key.replace(/[\s"]|\\x/g, ""), "hex"))
        .digest("base64"),
      [operator, description, state.toLowerCase()],
    );
  }
  return byId;
})();

const popup = (options: Parameters<typeof renderWithMock>[1] = {}) => renderWithMock(<TabView requestedTabId={CT_TAB} layout="popup" refreshMs={0} />, options);

/** Expands the rung whose name matches and returns its decoded fields. */
async function openRung(name: RegExp): Promise<{ rung: HTMLElement; decoded: HTMLElement }> {
  const [ladder] = await screen.findAllByRole("list", { name: "Certificate chain, site certificate first" });
  const rung = (Array.from(ladder.children) as HTMLElement[]).find((r) => within(r).queryByRole("button", { name }))!;
  fireEvent.click(within(rung).getByRole("button", { name }));
  return { rung, decoded: await within(rung).findByRole("group", { name: "Decoded certificate" }) };
}

const valueOf = (group: HTMLElement, label: string) => within(group).getByText(label).nextElementSibling as HTMLElement;

afterEach(() => jest.restoreAllMocks());

test("the fixture is what this file assumes: two real SCTs, one from a log Firefox's table names, one from a log it lacks", () => {
  expect(opensslScts).toHaveLength(2);
  expect(opensslScts.filter((s) => firefoxLogs.has(s.logId))).toHaveLength(1);
});

describe("the leaf's embedded SCTs", () => {
  test("each SCT shows its log's name, operator and state, or is marked unknown log, with its time and algorithm", async () => {
    popup();
    const { decoded } = await openRung(/ct\.staple-demo\.example/);
    const scts = valueOf(decoded, "Embedded SCTs");
    expect(within(scts).getByText("2 SCTs")).toBeTruthy();
    const items = within(within(scts).getByRole("list", { name: "Embedded SCTs" })).getAllByRole("listitem");
    expect(items).toHaveLength(opensslScts.length);
    items.forEach((item, i) => {
      const expected = opensslScts[i];
      const text = item.textContent!;
      const log = firefoxLogs.get(expected.logId);
      if (log) {
        const [operator, description, state] = log;
        expect(text).toContain(`${description} (${operator}, ${state})`);
        expect(within(item).queryByText("unknown log")).toBeNull();
      } else {
        expect(within(item).getByText("unknown log").className).toContain("tone-warning");
      }
      expect(text).toContain(`(${new Date(expected.time).toISOString()})`);
      expect(text).toContain(expected.algorithm === "ecdsa-with-SHA256" ? "ECDSA with SHA-256" : expected.algorithm);
      expect(item.querySelector("code")!.textContent).toBe(expected.logId);
    });
  });

  test("SCTs are counted per log operator, unknown logs last", async () => {
    popup();
    const { decoded } = await openRung(/ct\.staple-demo\.example/);
    const perOperator = within(valueOf(decoded, "SCTs per log operator"))
      .getAllByRole("listitem")
      .map((li) => li.textContent);
    const known = opensslScts.map((s) => firefoxLogs.get(s.logId)?.[0]).filter(Boolean);
    expect(perOperator).toEqual([...known.map((operator) => `${operator}: 1`), "unknown log: 1"]);
  });

  test("a list that could not be read says why, instead of the SCTs", async () => {
    const actual = jest.requireActual<typeof import("../../src/certificateView")>("../../src/certificateView");
    decoder.mockImplementationOnce(async (der) => ({
      ...(await actual.describeCertificate(der)),
      embeddedScts: { scts: [], errors: ["the SCT list is empty (RFC 6962 requires at least one SCT)"], byOperator: [] },
    }));
    popup();
    const { decoded } = await openRung(/ct\.staple-demo\.example/);
    const scts = valueOf(decoded, "Embedded SCTs");
    expect(within(scts).getByText("0 SCTs")).toBeTruthy();
    expect(within(scts).getByText("Not read: the SCT list is empty (RFC 6962 requires at least one SCT)")).toBeTruthy();
  });

  test("a certificate without the SCT extension says so", async () => {
    popup();
    const { decoded } = await openRung(/Demo Public TLS CA 2026/);
    expect(valueOf(decoded, "Embedded SCTs").textContent).toBe("none (no SCT extension)");
    expect(valueOf(decoded, "SCTs per log operator").textContent).toBe("none");
  });
});

describe("revocation facts", () => {
  test("OCSP responders, CRL distribution points and must-staple, with a notice when nothing was stapled", async () => {
    popup();
    const { rung, decoded } = await openRung(/ct\.staple-demo\.example/);
    expect(valueOf(decoded, "OCSP responders").textContent).toBe("http://ocsp.staple-demo.example");
    expect(valueOf(decoded, "CRL distribution points").textContent).toBe("http://crl.staple-demo.example/ca.crl");
    expect(valueOf(decoded, "OCSP must-staple").textContent).toBe("Required (TLS Feature: status_request)");
    expect(within(rung).getByText("Must-staple, but nothing was stapled")).toBeTruthy();
  });

  test("no notice when the connection stapled an OCSP response, nor for a certificate that is not must-staple", async () => {
    const data = JSON.parse(JSON.stringify(fixtures)) as MockData;
    data.tabs[String(CT_TAB)].top!.connection.usedOcsp = true;
    popup({ data });
    const { rung } = await openRung(/ct\.staple-demo\.example/);
    expect(within(rung).queryByText("Must-staple, but nothing was stapled")).toBeNull();

    const { rung: intermediate, decoded } = await openRung(/Demo Public TLS CA 2026/);
    expect(valueOf(decoded, "OCSP must-staple").textContent).toBe("Not required");
    expect(within(intermediate).queryByText("Must-staple, but nothing was stapled")).toBeNull();
  });

  test("the connection's CT status and stapling in words", async () => {
    popup();
    const section = (await screen.findByRole("heading", { name: "This site's chain" })).parentElement!;
    fireEvent.click(within(section).getByRole("button", { name: "Connection details" }));
    const details = within(section).getByRole("group", { name: "Connection details" });
    expect(valueOf(details, "Certificate Transparency").textContent).toBe("Not compliant: the SCTs do not come from enough distinct log operators");
    expect(valueOf(details, "OCSP").textContent).toBe("Not used");
  });
});

test("the JSON download carries each certificate's decoded SCTs by SHA-256", async () => {
  const downloads = captureDownloads();
  popup();
  await screen.findAllByRole("list", { name: "Certificate chain, site certificate first" });
  fireEvent.click(screen.getByRole("button", { name: "Download analysis (JSON)" }));
  await waitFor(() => expect(downloads).toHaveLength(1));
  const exported = JSON.parse(await downloads[0].text()) as { embeddedScts: Record<string, EmbeddedScts | null> };
  const [leaf, intermediate] = fixtures.tabs[String(CT_TAB)].top!.verdict.chain;
  const scts = exported.embeddedScts[leaf.sha256]!;
  expect(scts.errors).toEqual([]);
  expect(scts.scts.map((s) => [s.logId.base64, s.timestamp, s.log?.description ?? null])).toEqual(
    opensslScts.map((s) => [s.logId, s.time, firefoxLogs.get(s.logId)?.[1] ?? null]),
  );
  expect(exported.embeddedScts[intermediate.sha256]).toBeNull();
});
