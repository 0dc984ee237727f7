import { History } from "../../../background/history";
import { fakeStorageArea } from "../support/fakeStorage";
import { analyzer, makePki, securityInfo } from "../support/chains";

test("findings are logged once per page load, persisted, and bounded with the oldest dropped first", async () => {
  const local = fakeStorageArea();
  const history = new History(local, 3);
  const verdict = analyzer().analyze(await securityInfo(await makePki()));
  history.record(1, "https://a.test/", "https://a.test/", verdict, 100);
  history.record(1, "https://a.test/", "https://a.test/x.js", verdict, 101);
  expect(history.events().map((e) => e.ruleId)).toEqual(["dynamic-intermediate", "non-built-in-root"]);
  history.resetTab(1);
  history.record(1, "https://b.test/", "https://b.test/", analyzer().analyze(await securityInfo(await makePki())), 200);
  expect(history.events()).toHaveLength(3);
  expect(history.events()[0]).toMatchObject({ ruleId: "non-built-in-root", pageUrl: "https://a.test/" });
  await history.flush();

  const reopened = new History(local, 3);
  await reopened.restore();
  expect(reopened.events()).toEqual(history.events());
});

test("a change of a host's CA chain is a chain-changed event; a new leaf under the same CA is not", async () => {
  const history = new History(fakeStorageArea(), 100);
  const pki = await makePki();
  const a = analyzer();
  const first = a.analyze(await securityInfo(pki, { builtInRoot: true }));
  history.record(1, "https://a.test/", "https://a.test/", first, 1);
  const renewedLeaf = await makePki();
  const sameCa = a.analyze(await securityInfo({ ...pki, leaf: renewedLeaf.leaf }, { builtInRoot: true }));
  history.resetTab(1);
  history.record(1, "https://a.test/", "https://a.test/", sameCa, 2);
  expect(history.events().filter((e) => e.ruleId === "chain-changed")).toEqual([]);

  const otherCa = a.analyze(await securityInfo(renewedLeaf, { builtInRoot: true }));
  history.resetTab(1);
  history.record(1, "https://a.test/", "https://a.test/", otherCa, 3);
  const changed = history.events().filter((e) => e.ruleId === "chain-changed");
  expect(changed).toHaveLength(1);
  expect(changed[0]).toMatchObject({ level: "notice", origin: "https://a.test", sha256: otherCa.chain[1].sha256 });
  expect(changed[0].title).toMatch(/CA chain for a\.test changed/);
});
