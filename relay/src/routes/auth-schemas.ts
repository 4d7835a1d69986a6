import { z } from 'zod';

/** Account names: 3 to 32 letters, digits, `_`, `.` or `-`; compared and stored in lowercase. */
export const accountSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/)
  .transform((account) => account.toLowerCase());

export const registerBody = z.strictObject({
  account: accountSchema,
  name: z.string().trim().min(1).max(64),
  password: z.string().max(1024),
  mobile: z
    .string()
    .regex(/^\+?[0-9][0-9 -]{4,19}$/)
    .optional(),
  email: z.email().max(254).optional(),
});

// Login takes any short string so that a malformed account fails like a wrong password.
export const loginBody = z.strictObject({
  account: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});
