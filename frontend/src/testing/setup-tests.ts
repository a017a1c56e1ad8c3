import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { setEnvForTests } from '@/config/env';
import { resetApiClient, setTokenSource } from '@/lib/api/client';
import { setupI18n } from '@/lib/i18n';
import { clearToastsForTests } from '@/lib/toast';
import { server } from './server';

// jsdom has no PointerEvent: a MouseEvent carrying pointerId is enough for drag handlers.
if (typeof window.PointerEvent === 'undefined') {
  class PointerEventPolyfill extends MouseEvent {
    readonly pointerId: number;
    constructor(type: string, init: PointerEventInit = {}) {
      super(type, init);
      this.pointerId = init.pointerId ?? 1;
    }
  }
  window.PointerEvent = PointerEventPolyfill as unknown as typeof PointerEvent;
}

// The machine running the suite is shared: findBy*/waitFor get room beyond the 1 s default.
configure({ asyncUtilTimeout: 5000 });

setupI18n('en');
setEnvForTests({
  API_URL: 'http://api.test/api/v1',
  OIDC_ISSUER_URL: 'http://idp.test/realms/reservations',
  OIDC_CLIENT_ID: 'reservation-frontend',
});

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  resetApiClient();
  setTokenSource(null);
  clearToastsForTests();
  localStorage.clear();
});
afterAll(() => server.close());
