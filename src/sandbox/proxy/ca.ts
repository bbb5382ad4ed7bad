// The proxy's own certificate authority: one CA per `sandbox serve --proxy`, and a leaf certificate per host name a
// client asks for (TLS SNI), issued on first use. Clients trust the CA through REQUESTS_CA_BUNDLE (Azure CLI) or
// NODE_EXTRA_CA_CERTS (Node). Python 3.13 verifies with VERIFY_X509_STRICT by default
// (https://docs.python.org/3/library/ssl.html#ssl.create_default_context), under which OpenSSL refuses certificates
// without key identifiers, so both certificates carry SKI and AKI (RFC 5280 §4.2.1.1–2); the leaf also names its host
// in subjectAltName and allows serverAuth, as TLS clients require (RFC 6125, RFC 5280 §4.2.1.12).
import { webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  type X509Certificate,
} from "@peculiar/x509";

/** ECDSA P-256 keys: generated in milliseconds (an RSA key takes far longer) and accepted by every TLS client. */
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface LeafCertificate {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM chain: the leaf, then the CA. */
  cert: string;
}

export interface CertificateAuthority {
  /** PEM of the CA certificate: the file clients trust. */
  readonly certPem: string;
  /** A certificate for `host` (a DNS name or an IPv4 address), issued once per host and kept. */
  leafFor(host: string): Promise<LeafCertificate>;
}

/** Host names become SAN dNSName entries, IPv4 literals iPAddress entries. */
function altName(host: string): { type: "dns" | "ip"; value: string } {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? { type: "ip", value: host } : { type: "dns", value: host };
}

/** Serial numbers: 16 random bytes, top bit cleared so the DER integer stays positive (RFC 5280 §4.1.2.2). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

async function exportKey(key: CryptoKey): Promise<string> {
  return PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** Keeps certificates valid across a drill that moves the sandbox clock: TLS uses the machine's real clock anyway. */
function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + days * DAY_MS) };
}

export async function createCertificateAuthority(
  options: { name?: string; validDays?: number } = {},
): Promise<CertificateAuthority> {
  const validDays = options.validDays ?? 30;
  const caKeys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const caCert: X509Certificate = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${options.name ?? "acr-cmk sandbox proxy CA (not a real certificate authority)"}, O=acr-cmk sandbox`,
    ...validity(validDays),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys: caKeys,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature, true),
      await SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      await AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const certPem = caCert.toString("pem");

  // One key pair for every leaf: the CA is what clients check, and a fresh pair per host would only cost time.
  const leafKeys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const leafKeyPem = await exportKey(leafKeys.privateKey);
  const authorityKeyId = await AuthorityKeyIdentifierExtension.create(caKeys.publicKey);
  const leafKeyId = await SubjectKeyIdentifierExtension.create(leafKeys.publicKey);
  const issued = new Map<string, Promise<LeafCertificate>>();

  async function issue(host: string): Promise<LeafCertificate> {
    const leaf = await X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: `CN=${host}, O=acr-cmk sandbox`,
      issuer: caCert.subject,
      ...validity(validDays),
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension([altName(host)]),
        leafKeyId,
        authorityKeyId,
      ],
    });
    return { key: leafKeyPem, cert: `${leaf.toString("pem")}\n${certPem}\n` };
  }

  return {
    certPem,
    leafFor(host: string): Promise<LeafCertificate> {
      const name = host.toLowerCase();
      let leaf = issued.get(name);
      if (!leaf) {
        leaf = issue(name);
        issued.set(name, leaf);
        // A failed issue is not cached: the next handshake tries again.
        leaf.catch(() => issued.delete(name));
      }
      return leaf;
    },
  };
}
