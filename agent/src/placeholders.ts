import {
  backupFiles,
  CertPilotError,
  createPlaceholderCertificate,
  replaceFiles,
  restoreFiles,
  type Logger,
  type NginxControl,
} from '@certpilot/core';
import type { Discovery, SiteState } from './sites.js';

/**
 * When `nginx -t` fails only because some sites' certificate files are missing or broken, puts
 * self-signed stand-ins there so nginx can reload for the http-01 challenge, and returns those
 * sites. When it fails for another reason, nothing is touched and `NGINX_CONFIG_INVALID` is thrown.
 */
export async function standInForBrokenCertificates(
  control: NginxControl,
  discovery: Discovery,
  backupDir: string,
  logger: Logger,
): Promise<SiteState[]> {
  const output = discovery.configError ?? '';
  const broken = discovery.sites.filter(
    (state) =>
      state.certificateError !== undefined &&
      (output.includes(state.site.certificatePath) || output.includes(state.site.certificateKeyPath)),
  );
  if (broken.length === 0) throw configInvalid(control, output);

  const paths = broken.flatMap((state) => [state.site.certificatePath, state.site.certificateKeyPath]);
  const manifest = await backupFiles(control.host, paths, backupDir);
  for (const state of broken) {
    const placeholder = await createPlaceholderCertificate(state.site.names);
    await replaceFiles(control.host, [
      { path: state.site.certificatePath, content: placeholder.certPem, mode: 0o644 },
      { path: state.site.certificateKeyPath, content: placeholder.keyPem, mode: 0o600 },
    ]);
  }

  const test = await control.test();
  if (!test.ok) {
    await restoreFiles(control.host, manifest);
    throw configInvalid(control, test.output);
  }
  logger.warn(
    { sites: broken.map((state) => state.site.id) },
    'placed stand-in certificates for missing or broken files',
  );
  return broken;
}

function configInvalid(control: NginxControl, output: string): CertPilotError {
  return new CertPilotError(
    'NGINX_CONFIG_INVALID',
    `nginx -t fails for ${control.location.conf}; nothing was changed:\n${output}`,
    {
      params: { conf: control.location.conf, output },
    },
  );
}
