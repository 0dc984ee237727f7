import { applySettingsInput, buildSettingsView, resolveSettings, sanitizeUserSettings, validatePolicy } from "../../../src/policy";
import { DEFAULT_SETTINGS } from "../../../src/protocol";

const ENDPOINT = "https://otel.example.com:4318";
const reporting = (fields: Record<string, unknown>) => validatePolicy({ reporting: fields });

describe("policy key reporting: valid", () => {
  test("endpoint and format alone: reporting on, with the defaults", () => {
    expect(reporting({ endpoint: ENDPOINT, format: "otlp" })).toEqual({
      values: {
        reporting: {
          endpoint: ENDPOINT,
          format: "otlp",
          headers: {},
          minLevel: "warning",
          url: "origin",
          includeChain: false,
          batchSize: 100,
          intervalSeconds: 30,
        },
      },
      locked: false,
      errors: [],
      present: true,
    });
  });

  test("every field set", () => {
    const fields = {
      endpoint: "https://splunk.example.com:8088",
      format: "splunk-hec",
      token: "0b6d9d4e-hec",
      headers: { "X-Tenant": "security-team" },
      minLevel: "blocked",
      url: "full",
      includeChain: true,
      deviceLabel: "Ward 4 kiosk",
      batchSize: 1000,
      intervalSeconds: 5,
    };
    expect(reporting(fields)).toMatchObject({ values: { reporting: fields }, errors: [] });
  });

  test.each([
    "http://127.0.0.1:4318",
    "http://127.42.0.9",
    "http://127.1:4318", // the URL parser reads this as 127.0.0.1
    "http://[::1]:4318/otel",
    "http://localhost:8080/",
    "https://10.0.0.5:4318",
  ])("endpoint %s is accepted (https anywhere; http only to this computer)", (endpoint) => {
    const r = reporting({ endpoint, format: "otlp" });
    expect(r.errors).toEqual([]);
    expect(r.values.reporting?.endpoint).toBe(endpoint);
  });

  test("booleans also come as 1/0 (registry DWORD)", () => {
    expect(reporting({ endpoint: ENDPOINT, format: "ndjson", includeChain: 1 }).values.reporting?.includeChain).toBe(true);
  });

  test("ndjson may keep a query in its endpoint (a webhook's own parameters): nothing is appended to it", () => {
    expect(reporting({ endpoint: "https://hooks.example.com/in?source=firefox", format: "ndjson" }).errors).toEqual([]);
  });
});

describe("policy key reporting: each bad field reported precisely and ignored, the rest applied", () => {
  test.each([
    [
      "endpoint",
      "http://collector.corp:4318",
      'reporting.endpoint: http: is allowed only to this computer (127.0.0.0/8, ::1, localhost), got "http://collector.corp:4318": use https:',
    ],
    [
      "endpoint",
      "http://128.0.0.1",
      'reporting.endpoint: http: is allowed only to this computer (127.0.0.0/8, ::1, localhost), got "http://128.0.0.1": use https:',
    ],
    [
      "endpoint",
      "http://localhost.evil.example",
      'reporting.endpoint: http: is allowed only to this computer (127.0.0.0/8, ::1, localhost), got "http://localhost.evil.example": use https:',
    ],
    [
      "endpoint",
      "ftp://collector.example.com",
      'reporting.endpoint: expected an https: URL, or http: to this computer (127.0.0.0/8, ::1, localhost), got "ftp://collector.example.com"',
    ],
    [
      "endpoint",
      "collector.example.com:4318",
      'reporting.endpoint: expected an https: URL, or http: to this computer (127.0.0.0/8, ::1, localhost), got "collector.example.com:4318"',
    ],
    ["endpoint", 4318, "reporting.endpoint: expected an https: URL, or http: to this computer (127.0.0.0/8, ::1, localhost), got 4318"],
    ["endpoint", "https://otel.example.com/#x", 'reporting.endpoint: must not have a fragment (#...), got "https://otel.example.com/#x"'],
    [
      "endpoint",
      "https://otel.example.com/?k=v",
      'reporting.endpoint: must not have a query (?...): the otlp path /v1/logs is appended to it, got "https://otel.example.com/?k=v"',
    ],
    ["format", "OTLP", 'reporting.format: expected "otlp", "splunk-hec" or "ndjson", got "OTLP" (values are lowercase)'],
    ["format", "json", 'reporting.format: expected "otlp", "splunk-hec" or "ndjson", got "json"'],
  ])("%s %p: not applied, and one error says reporting is off", (field, value, message) => {
    const r = reporting({ endpoint: ENDPOINT, format: "otlp", [field]: value });
    expect(r.values).toEqual({});
    expect(r.errors).toEqual([message, `reporting: not applied, nothing is reported: no valid ${field}`]);
  });

  test("endpoint or format missing: one error names what is lacking", () => {
    expect(reporting({ format: "otlp" }).errors).toEqual(["reporting: not applied, nothing is reported: no endpoint"]);
    expect(reporting({ endpoint: ENDPOINT }).errors).toEqual(["reporting: not applied, nothing is reported: no format"]);
    expect(reporting({}).errors).toEqual(["reporting: not applied, nothing is reported: no endpoint and no format"]);
    expect(reporting({ endpoint: "http://example.com", format: "xml" }).errors.slice(-1)).toEqual([
      "reporting: not applied, nothing is reported: no valid endpoint and no valid format",
    ]);
  });

  test("credentials in the endpoint are refused without being quoted back (the options page shows the errors)", () => {
    const r = reporting({ endpoint: "https://admin:hunter2@otel.example.com", format: "otlp" });
    expect(r.errors[0]).toBe("reporting.endpoint: must not hold a user name or password (put the credential in token or headers)");
    expect(r.errors.join("\n")).not.toContain("hunter2");
  });

  test.each([
    ["minLevel", "Warning", 'reporting.minLevel: expected "notice", "warning" or "blocked", got "Warning" (values are lowercase)', { minLevel: "warning" }],
    ["minLevel", "ok", 'reporting.minLevel: expected "notice", "warning" or "blocked", got "ok"', { minLevel: "warning" }],
    ["url", "path", 'reporting.url: expected "full", "origin" or "none", got "path"', { url: "origin" }],
    ["includeChain", "yes", 'reporting.includeChain: expected true or false (or 1/0 from a registry DWORD), got "yes"', { includeChain: false }],
    ["batchSize", 0, "reporting.batchSize: expected a whole number from 1 to 1000, got 0", { batchSize: 100 }],
    ["batchSize", 1001, "reporting.batchSize: expected a whole number from 1 to 1000, got 1001", { batchSize: 100 }],
    ["batchSize", "50", 'reporting.batchSize: expected a whole number from 1 to 1000 (a JSON number, not a string), got "50"', { batchSize: 100 }],
    ["intervalSeconds", 4, "reporting.intervalSeconds: expected a whole number from 5 to 3600, got 4", { intervalSeconds: 30 }],
    ["intervalSeconds", 2.5, "reporting.intervalSeconds: expected a whole number from 5 to 3600, got 2.5", { intervalSeconds: 30 }],
    ["intervalSeconds", 3601, "reporting.intervalSeconds: expected a whole number from 5 to 3600, got 3601", { intervalSeconds: 30 }],
    ["deviceLabel", "x".repeat(201), `reporting.deviceLabel: expected one line of text of 1 to 200 characters, got "${"x".repeat(57)}..."`, {}],
    ["deviceLabel", "kiosk\nX-Injected: 1", 'reporting.deviceLabel: expected one line of text of 1 to 200 characters, got "kiosk\\nX-Injected: 1"', {}],
    ["deviceLabel", 42, "reporting.deviceLabel: expected one line of text of 1 to 200 characters, got 42", {}],
    ["headers", ["X-A: b"], "reporting.headers: expected an object of header names and text values, got an array", { headers: {} }],
  ])("%s %p: reported, the default used, reporting still on", (field, value, message, applied) => {
    const r = reporting({ endpoint: ENDPOINT, format: "ndjson", [field]: value });
    expect(r.errors).toEqual([message]);
    expect(r.values.reporting).toMatchObject({ endpoint: ENDPOINT, format: "ndjson", ...applied });
    if (field === "deviceLabel") expect(r.values.reporting).not.toHaveProperty("deviceLabel");
  });

  test("a token that is not one line of text is refused and never quoted back; reporting goes on without it", () => {
    const r = reporting({ endpoint: ENDPOINT, format: "otlp", token: "t0ken\r\nX-Injected: 1" });
    expect(r.errors).toEqual(["reporting.token: expected one line of text (no line breaks or other control characters)"]);
    expect(r.values.reporting).not.toHaveProperty("token");
    expect(reporting({ endpoint: ENDPOINT, format: "otlp", token: 12345 }).errors).toEqual(["reporting.token: expected text, got 12345"]);
  });

  test("an empty token is refused like any other that is not one line of text", () => {
    const r = reporting({ endpoint: ENDPOINT, format: "otlp", token: "" });
    expect(r.errors).toEqual(["reporting.token: expected one line of text (no line breaks or other control characters)"]);
    expect(r.values.reporting).not.toHaveProperty("token");
  });

  test("an endpoint with a query and no valid format: the query is refused without naming a format's path", () => {
    expect(reporting({ endpoint: "https://otel.example.com/?k=v", format: "json" }).errors).toEqual([
      'reporting.format: expected "otlp", "splunk-hec" or "ndjson", got "json"',
      'reporting.endpoint: must not have a query (?...), got "https://otel.example.com/?k=v"',
      "reporting: not applied, nothing is reported: no valid endpoint and no valid format",
    ]);
  });

  test("headers: each bad header is reported by name and left out, the good ones are sent", () => {
    const r = reporting({
      endpoint: ENDPOINT,
      format: "otlp",
      token: "t",
      headers: {
        "X-Tenant": "security",
        "Bad Name": "x",
        "Content-Type": "text/plain",
        host: "evil.example",
        "Content-Length": "0",
        Authorization: "Basic eA==",
        "X-Count": 3,
        "X-Split": "a\r\nX-Injected: 1",
        "X-Scope-OrgID": "fleet",
      },
    });
    expect(r.values.reporting?.headers).toEqual({ "X-Tenant": "security", "X-Scope-OrgID": "fleet" });
    expect(r.errors).toEqual([
      'reporting.headers."Bad Name": not a valid header name (letters, digits and !#$%&\'*+.^_`|~-), ignored',
      'reporting.headers."Content-Type": set by Chain Sentry for the format, ignored',
      'reporting.headers."host": set by Chain Sentry for the format, ignored',
      'reporting.headers."Content-Length": set by Chain Sentry for the format, ignored',
      'reporting.headers."Authorization": ignored, token sets the Authorization header',
      'reporting.headers."X-Count": expected text, got 3; ignored',
      'reporting.headers."X-Split": the value must be one line (no line breaks or other control characters); ignored',
    ]);
    expect(r.errors.join("\n")).not.toContain("Basic eA==");
  });

  test("without a token, an Authorization header is the collector's credential", () => {
    const r = reporting({ endpoint: ENDPOINT, format: "splunk-hec", headers: { Authorization: "Splunk abc" } });
    expect(r.errors).toEqual([]);
    expect(r.values.reporting?.headers).toEqual({ Authorization: "Splunk abc" });
  });

  test("splunk-hec with no credential at all: reported (HEC answers 401), reporting still on", () => {
    const r = reporting({ endpoint: ENDPOINT, format: "splunk-hec" });
    expect(r.errors).toEqual(['reporting.token: missing; Splunk HEC refuses events without "Authorization: Splunk <token>"']);
    // Only an Authorization header (in any case) is a credential; other headers are not.
    expect(reporting({ endpoint: ENDPOINT, format: "splunk-hec", headers: { "X-Tenant": "security" } }).errors).toEqual([
      'reporting.token: missing; Splunk HEC refuses events without "Authorization: Splunk <token>"',
    ]);
    expect(reporting({ endpoint: ENDPOINT, format: "splunk-hec", headers: { authorization: "Splunk abc" } }).errors).toEqual([]);
    expect(r.values.reporting?.format).toBe("splunk-hec");
  });

  test("an unknown field is reported (a typo shows), the rest applied", () => {
    const r = reporting({ endpoint: ENDPOINT, format: "otlp", minlevel: "notice" });
    expect(r.errors).toEqual([
      'reporting: unknown field "minlevel" ignored (expected endpoint, format, token, headers, minLevel, url, includeChain, deviceLabel, batchSize, intervalSeconds)',
    ]);
    expect(r.values.reporting?.minLevel).toBe("warning");
  });

  test.each([
    ["a string", ENDPOINT, `got "${ENDPOINT}"`],
    ["an array", [ENDPOINT], "got an array"],
    ["null", null, "got null"],
  ])("reporting as %s: one error, reporting off", (_, value, got) => {
    const r = validatePolicy({ reporting: value, mode: "block" });
    expect(r.values).toEqual({ mode: "block" });
    expect(r.errors).toEqual([
      `reporting: expected an object such as { "endpoint": "https://collector.example.com:4318", "format": "otlp" }, ${got}; nothing is reported`,
    ]);
  });

  test("a bad reporting key does not stop the other keys", () => {
    const r = validatePolicy({ mode: "block", reporting: { format: "otlp" }, historyLimit: 50 });
    expect(r.values).toEqual({ mode: "block", historyLimit: 50 });
  });
});

describe("reporting is the policy's alone", () => {
  const policy = validatePolicy({ reporting: { endpoint: ENDPOINT, format: "otlp" } });

  test("effective and managed when the policy sets it; off (null) otherwise", () => {
    const r = resolveSettings({}, policy);
    expect(r.effective.reporting).toEqual(policy.values.reporting);
    expect(r.managedKeys).toEqual(["reporting"]);
    expect(resolveSettings({}, validatePolicy(undefined)).effective.reporting).toBeNull();
    expect(DEFAULT_SETTINGS.reporting).toBeNull();
  });

  test("a user's stored value is ignored, and the options page cannot submit one", async () => {
    const stored = { reporting: { endpoint: "https://attacker.example", format: "ndjson" } };
    expect(sanitizeUserSettings(stored)).toEqual({});
    expect(resolveSettings(stored as never, validatePolicy(undefined)).effective.reporting).toBeNull();
    const view = buildSettingsView({}, policy);
    expect(await applySettingsInput(view, { reporting: stored.reporting } as never)).toEqual({
      ok: false,
      errors: [{ path: [], message: 'unknown setting "reporting"' }],
    });
  });
});
