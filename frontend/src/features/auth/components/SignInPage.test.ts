import { describe, expect, it } from 'vitest';
import { returnPath } from './SignInPage';

describe('returnPath', () => {
  it('returns to the page the person was on', () => {
    expect(returnPath({ from: '/users/u1?x=1' })).toBe('/users/u1?x=1');
  });
  it('never leaves the console', () => {
    expect(returnPath({ from: '//evil.example' })).toBe('/');
    expect(returnPath({ from: 'https://evil.example' })).toBe('/');
    expect(returnPath(null)).toBe('/');
  });
});
