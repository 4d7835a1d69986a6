import { normalizeSerial } from '../../cert/inspect.js';
import { isCertPilotError } from '../../errors.js';
import type { UploadedCertificate } from '../types.js';
import { uploadName } from './names.js';
import { qiniuErrorCode } from './response-errors.js';
import type { QiniuTargetContext } from './target-options.js';
import { NO_SUCH_CERTIFICATE, QINIU_TARGETS } from './upload.js';

/** Qiniu's code for deleting a certificate that a domain still uses. */
const CERTIFICATE_IN_USE = 400611;

/**
 * Deletes the certificates CertPilot uploaded earlier for the site that no domain uses any more,
 * and removes them from the registry. Only registry records are considered, never the certificate
 * of `currentSerial`, never one in `boundCertIds`, and never one whose name at Qiniu is not the
 * CertPilot name of its record. Qiniu rejects deleting a certificate bound to any domain of the
 * account with 400611, and such a certificate is kept. Failures are logged, not thrown, because
 * the renewal is already done.
 */
export async function deleteUnusedUploads(
  context: QiniuTargetContext,
  currentSerial: string,
  boundCertIds: ReadonlySet<string>,
): Promise<void> {
  const current = normalizeSerial(currentSerial);
  const records = (await context.registry.list(context.siteId)).filter(
    (entry) => QINIU_TARGETS.has(entry.target) && normalizeSerial(entry.serial) !== current,
  );

  for (const entry of records) {
    if (boundCertIds.has(entry.certId)) {
      context.log.info(
        { certId: entry.certId, serial: entry.serial },
        'kept the old Qiniu certificate: a domain of the site still uses it',
      );
      continue;
    }
    try {
      await deleteOne(context, entry);
    } catch (error) {
      context.log.warn(
        { err: error, certId: entry.certId, serial: entry.serial },
        'could not delete the old Qiniu certificate, CertPilot tries again after the next renewal',
      );
    }
  }
}

async function deleteOne(context: QiniuTargetContext, entry: UploadedCertificate): Promise<void> {
  const { client, log, registry, siteId } = context;
  const fields = { certId: entry.certId, serial: entry.serial };

  const detail = await ignoreMissing(() => client.getCertificate(entry.certId));
  if (detail === 'missing') {
    log.info(fields, 'the old Qiniu certificate is already gone; dropped its record');
    await registry.remove(siteId, entry.certId);
    return;
  }
  if (detail.name !== uploadName(siteId, normalizeSerial(entry.serial))) {
    // A record whose ID names a certificate of another name did not come from this site's uploads
    // (a registry edited by hand, or one kept for another Qiniu account), so the certificate stays.
    log.warn(
      { ...fields, name: detail.name },
      'the recorded Qiniu certificate is not a CertPilot upload; kept it and dropped its record',
    );
    await registry.remove(siteId, entry.certId);
    return;
  }

  let outcome: void | 'missing';
  try {
    outcome = await ignoreMissing(() => client.deleteCertificate(entry.certId));
  } catch (error) {
    if (!isCertPilotError(error) || qiniuErrorCode(error) !== CERTIFICATE_IN_USE) throw error;
    log.info(fields, 'kept the old Qiniu certificate: Qiniu reports it is still bound to a domain (400611)');
    return;
  }
  log.info(
    fields,
    outcome === 'missing'
      ? 'the old Qiniu certificate is already gone; dropped its record'
      : 'deleted the old Qiniu certificate',
  );
  await registry.remove(siteId, entry.certId);
}

async function ignoreMissing<T>(action: () => Promise<T>): Promise<T | 'missing'> {
  try {
    return await action();
  } catch (error) {
    if (isCertPilotError(error) && qiniuErrorCode(error) === NO_SUCH_CERTIFICATE) return 'missing';
    throw error;
  }
}
