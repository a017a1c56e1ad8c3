/**
 * The app's Content-Security-Policy. The frontend image's nginx (nginx/40-write-config-js.sh)
 * and the backend serving the build in dev mode (reservation_be/kit/security_headers.py) send
 * the same production policy; the Vite dev server relaxes it only for what Vite itself needs.
 */
export type CspOptions = {
  /** Origins the app calls besides its own: the API when elsewhere, the identity provider. */
  connect?: string[];
  /** Origins the app may frame: the identity provider. */
  frame?: string[];
  /** Vite's dev server: an inline React Refresh preamble, injected <style> tags, HMR socket. */
  dev?: boolean;
};

export const REFERRER_POLICY = 'strict-origin-when-cross-origin';

export function contentSecurityPolicy({ connect = [], frame = [], dev = false }: CspOptions = {}): string {
  const unique = (values: string[]) => [...new Set(values)];
  const inline = dev ? " 'unsafe-inline'" : '';
  const sockets = dev ? ['ws:'] : [];
  return [
    "default-src 'self'",
    `script-src 'self'${inline}`,
    `style-src 'self'${inline}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${unique(["'self'", ...connect, ...sockets]).join(' ')}`,
    `frame-src ${frame.length ? unique(frame).join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}
