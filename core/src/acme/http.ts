import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';

/** Trust for the ACME directory: the system roots plus an optional extra CA (private or test CAs). */
export function trustedCertificates(extraCaPem?: string): string[] | undefined {
  return extraCaPem ? [...rootCertificates, extraCaPem] : undefined;
}

export interface JsonResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/**
 * GETs JSON without loading the ACME client: the directory and renewal information need no
 * signature, and a daily run with nothing due should stay light.
 */
export function getJson<T>(url: string, options: { ca?: string[]; timeoutMs?: number } = {}): Promise<JsonResponse<T>> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('http:') ? httpGet : httpsGet;
    const request = get(url, { ca: options.ca, timeout: options.timeoutMs ?? 15_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: (text ? JSON.parse(text) : null) as T,
          });
        } catch (error) {
          reject(new Error(`${url} returned invalid JSON (HTTP ${response.statusCode}): ${(error as Error).message}`));
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
    request.on('error', reject);
  });
}
