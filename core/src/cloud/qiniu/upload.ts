import { normalizeSerial } from '../../cert/inspect.js';
import { isCertPilotError } from '../../errors.js';
import type { IssuedCertificate } from '../../jobs/job.js';
import type { UploadedCertificate } from '../types.js';
import { qiniuErrorCode } from './response-errors.js';
import { uploadName } from './names.js';
import type { QiniuTargetContext } from './target-options.js';

/** The targets whose uploads live in the same Qiniu certificate store. */
export const QINIU_TARGETS: ReadonlySet<string> = new Set(['qiniu-cdn', 'qiniu-kodo']);

/** Qiniu's code for a certificate ID that does not exist (any more). */
export const NO_SUCH_CERTIFICATE = 400401;

/**
 * Returns the Qiniu certificate ID of `certificate`, uploading it only when no earlier attempt
 * did: first the registry is asked for an upload of this serial, then the account's certificate
 * list for one named `certpilot-<siteId>-<serial>` (an upload whose registry record was lost
 * in a crash). A new or found upload is recorded in the registry.
 */
export async function ensureUploaded(
  context: QiniuTargetContext,
  target: 'qiniu-cdn' | 'qiniu-kodo',
  certificate: IssuedCertificate,
  upload: { keyPem: string; commonName: string },
): Promise<string> {
  const serial = normalizeSerial(certificate.serial);
  const recorded = await findRecordedUpload(context, serial);
  if (recorded !== undefined) return recorded;

  const name = uploadName(context.siteId, serial);
  const listed = (await context.client.listCertificates()).find((entry) => entry.name === name);
  if (listed !== undefined) {
    context.log.info({ certId: listed.certId, serial }, 'reusing the Qiniu certificate uploaded by an earlier attempt');
    await context.registry.add(record(context.siteId, target, listed.certId, certificate));
    return listed.certId;
  }

  const certId = await context.client.uploadCertificate({
    name,
    commonName: upload.commonName,
    privateKeyPem: upload.keyPem,
    chainPem: certificate.pem,
  });
  context.log.info({ certId, serial, name }, 'uploaded the certificate to Qiniu');
  await context.registry.add(record(context.siteId, target, certId, certificate));
  return certId;
}

/** Returns the recorded upload of `serial` if Qiniu still has it, and drops a record whose certificate is gone. */
async function findRecordedUpload(context: QiniuTargetContext, serial: string): Promise<string | undefined> {
  const records = await context.registry.list(context.siteId);
  const recorded = records.find((entry) => QINIU_TARGETS.has(entry.target) && normalizeSerial(entry.serial) === serial);
  if (recorded === undefined) return undefined;

  try {
    await context.client.getCertificate(recorded.certId);
  } catch (error) {
    if (!isCertPilotError(error) || qiniuErrorCode(error) !== NO_SUCH_CERTIFICATE) throw error;
    context.log.warn(
      { certId: recorded.certId, serial },
      'the recorded Qiniu upload no longer exists; uploading again',
    );
    await context.registry.remove(context.siteId, recorded.certId);
    return undefined;
  }

  context.log.info({ certId: recorded.certId, serial }, 'reusing the recorded Qiniu upload');
  return recorded.certId;
}

function record(
  siteId: string,
  target: UploadedCertificate['target'],
  certId: string,
  certificate: IssuedCertificate,
): UploadedCertificate {
  return {
    siteId,
    target,
    certId,
    serial: normalizeSerial(certificate.serial),
    notAfter: certificate.notAfter,
    uploadedAt: new Date().toISOString(),
  };
}
