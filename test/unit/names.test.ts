import { commonName } from "../../src/names";
import { firefoxNameString } from "../../src/firefoxName";
import { name } from "./support/derWriter";

const CN = "2.5.4.3";
const O = "2.5.4.10";

describe("commonName: the name an explanation gives a certificate", () => {
  test.each([
    ["O=FFProbe,CN=Probe Intermediate", "Probe Intermediate"],
    ["CN=localhost, O=FFProbe", "localhost"],
    ["/C=US/O=Example/CN=legacy", "legacy"],
    ["OU=Unit,O=Only An Organisation", "Only An Organisation"],
    ["OU=Unit,C=US", "OU=Unit,C=US"],
    ["", "(no name)"],
    // Not the CN inside another attribute's value.
    ["O=XCN=fake,CN=real", "real"],
    ["CN=Smith\\, John", "Smith, John"],
    ['CN="unterminated', '"unterminated'],
  ])("%p → %p", (dn, expected) => {
    expect(commonName(dn)).toBe(expected);
  });

  // Firefox quotes a value holding "," or "+" and joins the values of one RDN with "+" (NSS's readable form).
  test.each([
    [
      [
        [O, "Entrust, Inc."],
        [CN, "Entrust Root Certification Authority"],
      ],
      "Entrust Root Certification Authority",
    ],
    [[[O, "Entrust, Inc."]], "Entrust, Inc."],
    [[[CN, "Smith, John"]], "Smith, John"],
    [[[CN, 'The "Quoted" CA \\ backslash']], 'The "Quoted" CA \\ backslash'],
    [[[CN, "a+b"]], "a+b"],
    [[[CN, " padded "]], "padded"],
  ] as const)("from Firefox's string for %j", (attributes, expected) => {
    expect(commonName(firefoxNameString(name(attributes)))).toBe(expected);
  });

  test("a multi-valued RDN: the CN alone, not the values beside it", () => {
    // One RDN holding CN and OU: Firefox writes "CN=Shared+OU=Ops".
    const dn = "CN=Shared+OU=Ops,O=Example";
    expect(commonName(dn)).toBe("Shared");
    expect(commonName("OU=Ops+O=Example Org")).toBe("Example Org");
  });
});
