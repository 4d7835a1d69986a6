/** Where renewal jobs keep their private keys between steps (files with 0600, or sealed rows). */
export interface KeyStore {
  /** Stores `pem` and returns the reference a job records. */
  save(jobId: string, pem: string): Promise<string>;
  load(ref: string): Promise<string>;
  remove(ref: string): Promise<void>;
}
