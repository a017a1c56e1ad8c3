import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '@/app';
import { BootError } from '@/components/errors/boot-error';
import { loadEnv } from '@/config/env';
import { setTokenSource } from '@/lib/api/client';
import { startSession } from '@/lib/auth/session';
import { setupI18n } from '@/lib/i18n';
import { applyTheme } from '@/lib/theme';
import './styles.css';

setupI18n();
applyTheme();
const root = createRoot(document.getElementById('root')!);

async function boot(): Promise<void> {
  try {
    const env = loadEnv();
    const session = await startSession(env);
    setTokenSource(session);
    root.render(
      <StrictMode>
        <App session={session} />
      </StrictMode>,
    );
  } catch (error) {
    root.render(<BootError error={error} />);
  }
}

void boot();
