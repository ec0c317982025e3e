// Build-time configuration, validated once at start: a bad value stops the console with a
// clear message instead of failing request by request.

export interface Env {
  /** Prefix of every API call: '' (same origin) or an absolute http(s) URL, no trailing slash. */
  apiBaseUrl: string;
}

export function parseEnv(raw: Record<string, unknown>): Env {
  const value = raw.VITE_API_BASE_URL;
  if (value === undefined || value === '') return { apiBaseUrl: '' };
  if (typeof value !== 'string') throw new Error('VITE_API_BASE_URL must be a string');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`VITE_API_BASE_URL must be an absolute URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`VITE_API_BASE_URL must use http or https, got "${value}"`);
  }
  return { apiBaseUrl: value.replace(/\/+$/, '') };
}

export const env: Env = parseEnv(import.meta.env);
