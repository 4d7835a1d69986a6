import { webcrypto } from 'node:crypto';
import { generatePrivateKey } from './keys.js';

/**
 * A self-signed stand-in for a certificate file that is missing or broken. nginx refuses to
 * start or reload while any `ssl_certificate` file cannot be loaded, which would also block the
 * http-01 challenge; a stand-in lets `nginx -t` pass until the real certificate replaces it.
 * Its validity (23 hours ago to 1 hour ahead) puts it past any renewal threshold.
 */
export async function createPlaceholderCertificate(names: string[]): Promise<{ certPem: string; keyPem: string }> {
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keyPem = await generatePrivateKey('ec-p256');
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  const publicKey = await webcrypto.subtle.importKey(
    'jwk',
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    algorithm,
    true,
    ['verify'],
  );

  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(8)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${names[0] ?? 'certpilot-placeholder'}, O=CertPilot placeholder`,
    notBefore: new Date(now - 23 * 60 * 60 * 1000),
    notAfter: new Date(now + 60 * 60 * 1000),
    signingAlgorithm: algorithm,
    keys: { privateKey, publicKey },
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value })))],
  });
  return { certPem: `${certificate.toString('pem')}\n`, keyPem };
}
