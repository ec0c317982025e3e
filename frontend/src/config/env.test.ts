import { describe, expect, it } from 'vitest';
import { parseEnv } from './env';

describe('parseEnv', () => {
  it('defaults to the same origin', () => {
    expect(parseEnv({})).toEqual({ apiBaseUrl: '' });
    expect(parseEnv({ VITE_API_BASE_URL: '' })).toEqual({ apiBaseUrl: '' });
  });
  it('accepts an absolute http(s) URL and drops trailing slashes', () => {
    expect(parseEnv({ VITE_API_BASE_URL: 'https://api.example.com/' })).toEqual({ apiBaseUrl: 'https://api.example.com' });
  });
  it('refuses anything else at start', () => {
    expect(() => parseEnv({ VITE_API_BASE_URL: '/api' })).toThrow(/absolute URL/);
    expect(() => parseEnv({ VITE_API_BASE_URL: 'ftp://x' })).toThrow(/http or https/);
  });
});
