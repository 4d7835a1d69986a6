import { randomUUID } from 'node:crypto';
import { inspectCertificatePem } from '../cert/inspect.js';
import { asCertPilotError, CertPilotError, serializeError } from '../errors.js';
import type { LifecycleEmitter } from '../events.js';
import type { Logger } from '../log.js';
import { retryDelayMs } from '../policy/backoff.js';
import type { AcmeIssuer } from '../acme/issuer.js';
import type { ChallengeSolver } from '../acme/solver.js';
import type { KeyType } from '../cert/keys.js';
import { FINAL_STEPS, type IssuedCertificate, type JobStep, type JobStore, type RenewalJob } from './job.js';
import type { KeyStore } from './keys.js';
import type { DeployTarget } from './target.js';

export interface JobRunnerDeps {
  store: JobStore;
  keys: KeyStore;
  /** Returns the issuer on first need, so a job resuming after `issued` never loads the ACME client. */
  issuer: () => Promise<AcmeIssuer>;
  events: LifecycleEmitter;
  logger: Logger;
  now?: () => Date;
}

export interface JobContext {
  solver: ChallengeSolver;
  target: DeployTarget;
  keyType?: KeyType;
  profile?: string;
  /** ARI id of the certificate being replaced, sent as the order's `replaces`. */
  replaces?: string;
}

/** Creates a job in `planned` for `siteId`, persisted before it is returned. */
export async function planJob(
  store: JobStore,
  input: { siteId: string; names: string[]; previous?: RenewalJob['previous'] },
  now = new Date(),
): Promise<RenewalJob> {
  const at = now.toISOString();
  const job: RenewalJob = {
    id: randomUUID(),
    siteId: input.siteId,
    names: input.names,
    step: 'planned',
    createdAt: at,
    updatedAt: at,
    attempt: 0,
    ...(input.previous ? { previous: input.previous } : {}),
    history: [{ step: 'planned', at }],
  };
  await store.save(job);
  return job;
}

/**
 * Runs a job from the step it is in to `done`, `waiting-retry` or `failed`, persisting each
 * step's result before the next starts. This is the one-pass call: it does not sleep and retry;
 * a scheduler (or the next run) picks the job up again at `nextRunAt`.
 */
export async function runJob(deps: JobRunnerDeps, job: RenewalJob, context: JobContext): Promise<RenewalJob> {
  const log = deps.logger.child({ subsystem: 'renewal-job', jobId: job.id, siteId: job.siteId });
  if (FINAL_STEPS.has(job.step)) return job;

  if (job.step === 'waiting-retry') {
    job = await advance(deps, job, job.resumeStep ?? 'planned');
  }
  deps.events.emit('job.started', { jobId: job.id, siteId: job.siteId, names: job.names, step: job.step });

  try {
    if (job.step === 'planned' || job.step === 'issuing') job = await issue(deps, job, context, log);
    if (job.step === 'issued' || job.step === 'deploying') job = await deploy(deps, job, context, log);
    if (job.step === 'deployed' || job.step === 'verifying') job = await verify(deps, job, context);
    job = await finish(deps, job);
  } catch (error) {
    return fail(deps, job, error, log);
  }

  try {
    await context.target.afterDone?.(job, requireCertificate(job));
  } catch (error) {
    log.warn({ err: error, target: context.target.kind }, 'housekeeping after the renewal failed');
  }
  return job;
}

/**
 * Closes a job that has not ordered a certificate yet and is no longer wanted (the site stopped
 * being due, e.g. renewed by other means). A job holding a certificate is never closed this way:
 * that certificate is deployed on the next run instead.
 */
export async function cancelJob(
  store: JobStore,
  job: RenewalJob,
  reason: string,
  now = new Date(),
): Promise<RenewalJob> {
  if (job.certificate) {
    throw new CertPilotError(
      'JOB_STATE_INVALID',
      `Renewal job ${job.id} already holds a certificate and cannot be cancelled.`,
      { params: { jobId: job.id } },
    );
  }
  const at = now.toISOString();
  const lastError = serializeError(new CertPilotError('JOB_CANCELLED', reason, { params: { jobId: job.id } }));
  const closed: RenewalJob = {
    ...job,
    step: 'failed',
    updatedAt: at,
    lastError,
    history: [...job.history, { step: 'failed', at, error: lastError }],
  };
  await store.save(closed);
  return closed;
}

async function issue(deps: JobRunnerDeps, job: RenewalJob, context: JobContext, log: Logger): Promise<RenewalJob> {
  job = await advance(deps, job, 'issuing');
  const issuer = await deps.issuer();

  if (!job.keyRef) {
    const keyPem = await issuer.generateKey(context.keyType);
    job = await save(deps, { ...job, keyRef: await deps.keys.save(job.id, keyPem) });
  }

  // Reuse the order from an interrupted run: it may already be valid, and a second order for
  // the same names would count against the CA's duplicate-certificate limit.
  let order = job.order ? await issuer.resumeOrder(job.order.url) : null;
  if (!order || order.status === 'invalid') {
    order = await issuer.createOrder({
      names: job.names,
      ...(context.replaces ? { replaces: context.replaces } : {}),
      ...(context.profile ? { profile: context.profile } : {}),
    });
    job = await save(deps, {
      ...job,
      order: { url: order.url, ...(context.replaces ? { replaces: context.replaces } : {}) },
    });
  } else {
    log.info({ orderUrl: order.url, status: order.status }, 'resuming stored order');
  }

  const keyPem = await deps.keys.load(job.keyRef!);
  const pem = await issuer.completeOrder(order, { names: job.names, keyPem, solver: context.solver });
  const info = inspectCertificatePem(pem, `the certificate issued for ${job.names[0]}`);
  const certificate: IssuedCertificate = {
    pem,
    serial: info.serial,
    fingerprint: info.fingerprint,
    notBefore: info.notBefore,
    notAfter: info.notAfter,
  };

  job = await advance(deps, { ...job, certificate }, 'issued');
  deps.events.emit('certificate.issued', {
    jobId: job.id,
    siteId: job.siteId,
    serial: info.serial,
    notAfter: info.notAfter,
    fingerprint: info.fingerprint,
  });
  return job;
}

async function deploy(deps: JobRunnerDeps, job: RenewalJob, context: JobContext, log: Logger): Promise<RenewalJob> {
  const certificate = requireCertificate(job);
  job = await advance(deps, job, 'deploying');
  const keyPem = await deps.keys.load(job.keyRef!);
  await context.target.deploy(job, certificate, keyPem);
  log.info({ target: context.target.kind, serial: certificate.serial }, 'deployed certificate');
  job = await advance(deps, job, 'deployed');
  deps.events.emit('certificate.deployed', {
    jobId: job.id,
    siteId: job.siteId,
    target: context.target.kind,
    serial: certificate.serial,
  });
  return job;
}

async function verify(deps: JobRunnerDeps, job: RenewalJob, context: JobContext): Promise<RenewalJob> {
  const certificate = requireCertificate(job);
  job = await advance(deps, job, 'verifying');
  const { address } = await context.target.verify(job, certificate);
  deps.events.emit('certificate.verified', { jobId: job.id, siteId: job.siteId, address, serial: certificate.serial });
  return job;
}

async function finish(deps: JobRunnerDeps, job: RenewalJob): Promise<RenewalJob> {
  const certificate = requireCertificate(job);
  const { nextRunAt, resumeStep, lastError, ...rest } = job;
  job = await advance(deps, rest, 'done');
  if (job.keyRef) await deps.keys.remove(job.keyRef);
  deps.events.emit('job.done', {
    jobId: job.id,
    siteId: job.siteId,
    serial: certificate.serial,
    notAfter: certificate.notAfter,
  });
  return job;
}

async function fail(deps: JobRunnerDeps, job: RenewalJob, thrown: unknown, log: Logger): Promise<RenewalJob> {
  const error = asCertPilotError(thrown);
  const serialized = serializeError(error);
  const now = (deps.now ?? (() => new Date()))();
  const resumeStep = resumeStepAfter(job, error.code);

  if (!error.retryable) {
    log.error({ err: error, step: job.step }, 'renewal job failed');
    job = await advance(deps, { ...job, lastError: serialized }, 'failed');
    deps.events.emit('job.failed', { jobId: job.id, siteId: job.siteId, error: serialized });
    return job;
  }

  const attempt = job.attempt + 1;
  const nextRunAt = new Date(now.getTime() + retryDelayMs(attempt, error.retryAfterMs)).toISOString();
  log.warn({ err: error, step: job.step, attempt, nextRunAt }, 'renewal job will retry');
  job = await advance(deps, { ...job, attempt, nextRunAt, resumeStep, lastError: serialized }, 'waiting-retry');
  deps.events.emit('job.waiting-retry', {
    jobId: job.id,
    siteId: job.siteId,
    attempt,
    retryAt: nextRunAt,
    error: serialized,
  });
  return job;
}

/**
 * Returns the step a failed job resumes at. A job without a certificate orders again. A job with
 * one never does: it goes back to deploying it, or only to verifying when the edge is bound but
 * not serving it yet.
 */
function resumeStepAfter(job: RenewalJob, code: string): JobStep {
  if (!job.certificate) return 'planned';
  return code === 'EDGE_NOT_YET_LIVE' ? 'deployed' : 'issued';
}

async function advance(deps: JobRunnerDeps, job: RenewalJob, to: JobStep): Promise<RenewalJob> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const from = job.step;
  const entry =
    to === 'failed' || to === 'waiting-retry'
      ? { step: to, at, ...(job.lastError ? { error: job.lastError } : {}) }
      : { step: to, at };
  const next: RenewalJob = { ...job, step: to, updatedAt: at, history: [...job.history, entry] };
  await deps.store.save(next);
  if (from !== to) deps.events.emit('job.step', { jobId: job.id, siteId: job.siteId, from, to });
  crashAtFailpoint(to);
  return next;
}

/**
 * Crash-recovery tests set CERTPILOT_FAILPOINT=after-step:<step> to have the process killed, as a
 * power cut would, right after that step was persisted.
 */
function crashAtFailpoint(step: JobStep): void {
  if (process.env.CERTPILOT_FAILPOINT === `after-step:${step}`) process.kill(process.pid, 'SIGKILL');
}

async function save(deps: JobRunnerDeps, job: RenewalJob): Promise<RenewalJob> {
  const next = { ...job, updatedAt: (deps.now ?? (() => new Date()))().toISOString() };
  await deps.store.save(next);
  return next;
}

function requireCertificate(job: RenewalJob): IssuedCertificate {
  if (!job.certificate || !job.keyRef) {
    throw new CertPilotError(
      'JOB_STATE_INVALID',
      `Renewal job ${job.id} reached ${job.step} without a certificate and key.`,
      {
        params: { jobId: job.id, step: job.step },
      },
    );
  }
  return job.certificate;
}
