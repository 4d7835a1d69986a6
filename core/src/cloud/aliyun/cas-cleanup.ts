import { normalizeSerial } from '../../cert/inspect.js';
import { asCertPilotError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { CloudTargetKind, UploadRegistry, UploadedCertificate } from '../types.js';
import type { CasCertificates } from './cas-upload.js';

/** Input of {@link deleteUnusedUploads}: the site, its current serial and its bindings. */
export interface UnusedUploadsRequest {
  siteId: string;
  target: CloudTargetKind;
  /** Serial of the certificate just deployed; uploads with it are always kept. */
  currentSerial: string;
  registry: UploadRegistry;
  cas: CasCertificates;
  /** Returns the CAS IDs (as strings) the site's domains are bound to now. */
  certIdsInUse: () => Promise<Set<string>>;
  log: Logger;
}

/** The outcome of a cleanup, by CAS ID. */
export interface UnusedUploadsResult {
  deleted: string[];
  kept: string[];
}

/**
 * CAS codes for a delete rejected because a cloud resource still uses the certificate.
 * NOTE: Aliyun does not publish this code. The local fake sends `ResourceAlreadyAssociated`, so
 * any code naming an association, a use or a deployment is treated the same way.
 */
const IN_USE_CODE = /Associated|InUse|Deployed/i;
/**
 * CAS code for a CertId it does not have, e.g. a certificate deleted in the console.
 * NOTE: taken from the local fake; the service's code for this case is not published.
 */
const NOT_FOUND_CODE = 'NotFound';

/**
 * Deletes the CAS certificates that CertPilot uploaded for this site and target earlier, as the
 * registry records them, once no domain of the site is bound to them. Certificates that the
 * registry does not list were not uploaded by CertPilot and are never touched. A delete that CAS
 * rejects keeps the record, so the next renewal tries again.
 *
 * @throws CertPilotError when the current bindings cannot be read (nothing is deleted then), or
 *   when CAS rejects the AccessKey or its permission for a delete.
 */
export async function deleteUnusedUploads(request: UnusedUploadsRequest): Promise<UnusedUploadsResult> {
  const { siteId, target, registry, log } = request;
  const current = normalizeSerial(request.currentSerial);
  const candidates = (await registry.list(siteId)).filter(
    (record) => record.target === target && normalizeSerial(record.serial) !== current,
  );
  const result: UnusedUploadsResult = { deleted: [], kept: [] };
  if (candidates.length === 0) return result;

  const inUse = await request.certIdsInUse();
  for (const record of candidates) {
    if (inUse.has(record.certId)) {
      log.info(
        { certId: record.certId, serial: record.serial },
        'keeping the old CAS certificate: a domain of the site still uses it',
      );
      result.kept.push(record.certId);
      continue;
    }
    const deleted = await deleteOne(request, record);
    (deleted ? result.deleted : result.kept).push(record.certId);
  }
  return result;
}

/** Deletes one upload and its record; returns false when CAS rejected the delete. */
async function deleteOne(request: UnusedUploadsRequest, record: UploadedCertificate): Promise<boolean> {
  const { siteId, registry, cas, log } = request;
  const fields = { certId: record.certId, serial: record.serial };
  const certId = Number(record.certId);
  if (!Number.isSafeInteger(certId)) {
    log.warn(fields, 'skipping a registry record whose CertId is not a CAS number');
    return false;
  }

  try {
    await cas.delete(certId);
  } catch (thrown) {
    const error = asCertPilotError(thrown);
    // A rejected AccessKey rejects every other delete too: stop and let the caller log it once.
    if (error.code === 'PROVIDER_AUTH_FAILED' || error.code === 'PROVIDER_PERMISSION_DENIED') throw error;

    const providerCode = error.code === 'PROVIDER_REQUEST_FAILED' ? String(error.params.providerCode ?? '') : '';
    if (providerCode === NOT_FOUND_CODE) {
      log.info({ ...fields, providerCode }, 'the old CAS certificate is already gone; forgetting it');
      await registry.remove(siteId, record.certId);
      return true;
    }
    if (providerCode !== '' && IN_USE_CODE.test(providerCode)) {
      log.info(
        { ...fields, providerCode },
        'keeping the old CAS certificate: CAS reports it is still associated with a resource',
      );
    } else {
      log.warn(
        { ...fields, err: error },
        'could not delete the old CAS certificate; trying again after the next renewal',
      );
    }
    return false;
  }

  await registry.remove(siteId, record.certId);
  log.info(fields, 'deleted the old CAS certificate');
  return true;
}
