/**
 * The input of the core: a SecurityInfo exactly as Firefox's
 * `webRequest.getSecurityInfo(requestId, { certificateChain: true, rawDER: true })` returns it
 * (toolkit/components/extensions/webrequest/SecurityInfo.sys.mjs). Only the fields the core reads
 * are typed as required; everything else is passed through for display.
 */
export interface FirefoxCertificate {
  /** Display string, e.g. "O=FFProbe,CN=localhost"; not the DER name. */
  subject: string;
  issuer: string;
  /** Epoch milliseconds. */
  validity: { start: number; end: number };
  /** Uppercase hex with colons. */
  fingerprint: { sha1: string; sha256: string };
  /** Uppercase hex with colons. */
  serialNumber: string;
  isBuiltInRoot: boolean;
  /** Base64 SHA-256 of the DER SubjectPublicKeyInfo. */
  subjectPublicKeyInfoDigest: { sha256: string };
  /** Only with `rawDER: true`: the certificate's bytes as an array of numbers. */
  rawDER?: ArrayLike<number>;
}

export type SecurityState = "insecure" | "weak" | "broken" | "secure";

export interface SecurityInfo {
  state: SecurityState;
  /** The chain Firefox built and verified, leaf first, root last. */
  certificates: FirefoxCertificate[];
  protocolVersion?: string;
  cipherSuite?: string;
  keaGroupName?: string;
  signatureSchemeName?: string;
  secretKeyLength?: number;
  certificateTransparencyStatus?: string;
  isExtendedValidation?: boolean;
  hsts?: boolean;
  hpkp?: boolean;
  usedEch?: boolean;
  usedDelegatedCredentials?: boolean;
  usedOcsp?: boolean;
  usedPrivateDns?: boolean;
  errorMessage?: string;
  overridableErrorCategory?: string;
  isUntrusted?: boolean;
  isDomainMismatch?: boolean;
  isNotValidAtThisTime?: boolean;
  weaknessReasons?: string[];
}
