// Runs once before the browser tests: starts the platform (or reuses E2E_BASE_URL) and hands its
// address to the test workers through the environment. The returned function stops it again.
import { receiverHost } from './receiver';
import { startStack } from './stack';

export default async function globalSetup() {
  const host = await receiverHost();
  const stack = await startStack({ receiverHost: host });
  process.env.E2E_STACK_URL = stack.baseUrl;
  process.env.E2E_RECEIVER_HOST = host;
  process.env.E2E_DEMO = JSON.stringify(stack.demo);
  return async () => {
    await stack.stop();
  };
}
