/**
 * The report an agent posts after each run: one entry per site, as the agent's `SiteResult`
 * (agent/src/state/last-run.ts) with the fields the relay keeps.
 */
import { z } from 'zod';

/** Most sites one report may carry; a server with more is not what the agent is built for. */
export const MAX_REPORT_SITES = 500;

/** The outcomes of `renew` runs, plus `due` for a `scan` that found a site due. */
export const REPORT_OUTCOMES = ['renewed', 'not-due', 'failed', 'waiting-retry', 'dry-run', 'skipped', 'due'] as const;

const hostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9*_.-]+$/);

const reportSite = z.strictObject({
  siteId: z.string().min(1).max(300),
  names: z.array(hostName).min(1).max(100),
  outcome: z.enum(REPORT_OUTCOMES),
  serial: z
    .string()
    .regex(/^[0-9A-Fa-f:]{1,128}$/)
    .optional(),
  notAfter: z.iso.datetime({ offset: true }).optional(),
  daysLeft: z.number().int().min(-100_000).max(100_000).optional(),
  error: z.strictObject({ code: z.string().regex(/^[A-Z0-9_]{1,64}$/), message: z.string().max(2000) }).optional(),
});

export const agentReportSchema = z.strictObject({
  command: z.enum(['renew', 'scan']).optional(),
  agentVersion: z.string().min(1).max(64),
  hostname: z.string().min(1).max(253),
  runAt: z.iso.datetime({ offset: true }),
  sites: z.array(reportSite).max(MAX_REPORT_SITES),
});

export type AgentReport = z.infer<typeof agentReportSchema>;
export type ReportSite = z.infer<typeof reportSite>;

export const enrollBody = z.strictObject({
  enrollmentToken: z.string().min(1).max(100),
  hostname: z.string().trim().min(1).max(253),
  version: z.string().trim().min(1).max(64),
});

export const createAgentBody = z.strictObject({
  name: z.string().trim().min(1).max(64),
});
