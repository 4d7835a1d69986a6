import { certificateMatchesKey, inspectCertificatePem } from '../../cert/inspect.js';
import { CertPilotError } from '../../errors.js';
import type { IssuedCertificate } from '../../jobs/job.js';
import { uncoveredDomains } from './names.js';

/**
 * Checks, before any API call, that the key belongs to the certificate and that the certificate
 * covers every domain, since Qiniu would reject the upload or the binding. Returns the common
 * name to upload with.
 *
 * @throws CertPilotError `CERT_INVALID` for an unreadable certificate or key,
 *   `CERT_KEY_MISMATCH` for a foreign key, `CONFIG_INVALID` for a domain the certificate does not cover.
 */
export function checkCertificateForDomains(
  site: string,
  certificate: IssuedCertificate,
  keyPem: string,
  domains: readonly string[],
): { commonName: string } {
  const source = `the certificate of site ${site}`;
  const info = inspectCertificatePem(certificate.pem, source);
  if (!certificateMatchesKey(certificate.pem, keyPem, source)) {
    throw new CertPilotError(
      'CERT_KEY_MISMATCH',
      `The private key of site ${site} does not belong to certificate ${certificate.serial}.`,
      {
        params: { site, serial: certificate.serial },
      },
    );
  }

  const uncovered = uncoveredDomains(info.names, domains);
  if (uncovered.length > 0) {
    throw new CertPilotError(
      'CONFIG_INVALID',
      `The certificate of site ${site} is for ${info.names.join(', ')} and does not cover the Qiniu domain(s) ${uncovered.join(', ')} (a wildcard domain .example.com needs the name *.example.com). Nothing was uploaded.`,
      { params: { site, domains: uncovered.join(', '), names: info.names.join(', ') } },
    );
  }
  return { commonName: info.commonName ?? info.names[0] ?? domains[0] ?? '' };
}
