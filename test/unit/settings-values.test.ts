/** The checks of single values that policy settings are made of: what each accepts, and what it says about the rest. */
import { checkLabel, checkOneOf, checkServiceUrl, checkWholeNumber } from "../../src/settings/values";

const LOOPBACK_URL = "expected an https: URL, or http: to this computer (127.0.0.0/8, ::1, localhost)";

describe("checkOneOf", () => {
  test("a right value in the wrong case or with spaces around it gets the lowercase hint", () => {
    expect(checkOneOf(" Block", ["warn", "block"])).toEqual({ ok: false, error: 'expected "warn" or "block", got " Block" (values are lowercase)' });
    expect(checkOneOf("blocked", ["warn", "block"])).toEqual({ ok: false, error: 'expected "warn" or "block", got "blocked"' });
  });
});

describe("checkWholeNumber", () => {
  test("only a whole JSON number within the bounds; bounds included", () => {
    expect(checkWholeNumber(5, 5, 3600)).toEqual({ ok: true, value: 5 });
    expect(checkWholeNumber(3600, 5, 3600)).toEqual({ ok: true, value: 3600 });
    expect(checkWholeNumber(7.5, 5, 3600)).toEqual({ ok: false, error: "expected a whole number from 5 to 3600, got 7.5" });
    expect(checkWholeNumber("60", 5, 3600)).toEqual({ ok: false, error: 'expected a whole number from 5 to 3600 (a JSON number, not a string), got "60"' });
  });
});

describe("checkLabel", () => {
  const expected = "expected one line of text of 1 to 200 characters";

  test("1 to 200 characters of one line", () => {
    expect(checkLabel("x")).toEqual({ ok: true, value: "x" });
    expect(checkLabel("x".repeat(200))).toEqual({ ok: true, value: "x".repeat(200) });
    expect(checkLabel("x".repeat(201))).toEqual({ ok: false, error: expect.stringMatching(new RegExp(`^${expected}, got "x+\\.\\.\\."$`)) });
  });

  test("empty or blank text, and what is not text, are refused", () => {
    expect(checkLabel("")).toEqual({ ok: false, error: `${expected}, got ""` });
    expect(checkLabel("   ")).toEqual({ ok: false, error: `${expected}, got "   "` });
    expect(checkLabel(42)).toEqual({ ok: false, error: `${expected}, got 42` });
  });
});

describe("checkServiceUrl", () => {
  test("text that is not a URL says what is expected", () => {
    expect(checkServiceUrl("collector.example.com/events")).toEqual({ ok: false, error: `${LOOPBACK_URL}, got "collector.example.com/events"` });
  });

  test("http: to any address in 127.0.0.0/8 is this computer; a name that starts like one is not", () => {
    for (const url of ["http://127.0.10.1:8080/events", "http://127.1.2.30/events", "http://127.0.0.1/"]) {
      expect(checkServiceUrl(url)).toEqual({ ok: true, value: url });
    }
    expect(checkServiceUrl("http://127.0.0.1.collector.example/events")).toEqual({
      ok: false,
      error: 'http: is allowed only to this computer (127.0.0.0/8, ::1, localhost), got "http://127.0.0.1.collector.example/events": use https:',
    });
  });
});
