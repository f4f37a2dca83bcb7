/**
 * `npm run register-webhooks -- --url https://…/webhooks/complyadvantage [--case-state-updated]`:
 * points Mesh's case webhooks at the bridge, idempotently (src/register-webhooks/register.ts has the logic
 * and the usage text). Exit codes: 0 done, 1 Mesh refused or failed, 2 bad usage or configuration.
 */
import { runCommandLine } from '../platform/cli/command-line';
import { parseRegisterWebhooksArgs, registerWebhooks, REGISTER_WEBHOOKS_USAGE } from './register';
import { loadOrExit } from '../platform/config/env';
import { loadMeshConnectionConfig } from './config';
import { createMeshWebhooks } from '../providers/mesh/webhooks';
import { MeshError } from '../providers/mesh/api';

runCommandLine({
  name: 'register-webhooks',
  usage: REGISTER_WEBHOOKS_USAGE,
  parse: parseRegisterWebhooksArgs,
  run: async (command) => {
    const config = loadOrExit(() => loadMeshConnectionConfig());
    const mesh = createMeshWebhooks({ config });
    process.stdout.write(`Mesh: ${config.baseUrl}\n`);
    try {
      await registerWebhooks(mesh, command, (line) => void process.stdout.write(`${line}\n`));
      return 0;
    } catch (err) {
      if (!(err instanceof MeshError)) throw err;
      // The message names the operation, status and the fields Mesh complained about (src/providers/mesh/errors.ts).
      process.stderr.write(`Mesh refused: ${err.message}\n`);
      return 1;
    }
  },
});
