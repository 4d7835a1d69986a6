import { CertPilotError } from '../errors.js';
import type { Logger } from '../log.js';
import type { NginxControl } from './control.js';
import { backupFiles, replaceFiles, restoreFiles } from './replace-files.js';

export interface ConfigEdit {
  path: string;
  /** The file's text as the `nginx -T` dump showed it; the edit is refused if the file changed since. */
  dumpedText: string;
  newText: string;
}

/**
 * Applies edits to nginx configuration files the safe way: back up, write beside, rename, then
 * `nginx -t`. A failed test restores every file and throws `NGINX_EDIT_FAILED` with nginx's
 * output; a passing one is reloaded. Returns after nginx has been asked to reload.
 */
export async function applyConfigEdits(
  control: NginxControl,
  edits: ConfigEdit[],
  backupDir: string,
  logger: Logger,
): Promise<void> {
  const { host } = control;
  for (const edit of edits) {
    const current = (await host.readFile(edit.path)).toString('utf8');
    if (current !== edit.dumpedText) {
      throw new CertPilotError('NGINX_CONFIG_CHANGED', `${edit.path} changed since nginx -T was read; run again.`, {
        params: { path: edit.path },
      });
    }
  }

  const manifest = await backupFiles(
    host,
    edits.map((edit) => edit.path),
    backupDir,
  );
  await replaceFiles(
    host,
    edits.map((edit) => ({ path: edit.path, content: edit.newText, mode: 0o644 })),
  );

  const test = await control.test();
  if (!test.ok) {
    await restoreFiles(host, manifest);
    logger.warn(
      { files: edits.map((edit) => edit.path), output: test.output },
      'nginx -t rejected the edited config; restored',
    );
    throw new CertPilotError(
      'NGINX_EDIT_FAILED',
      `nginx -t rejected the edited configuration; the original files were restored:\n${test.output}`,
      {
        params: { path: edits.map((edit) => edit.path).join(', '), output: test.output },
      },
    );
  }

  try {
    await control.reload();
  } catch (error) {
    await restoreFiles(host, manifest);
    throw error;
  }
  logger.info({ files: edits.map((edit) => edit.path) }, 'applied nginx config edit');
}
