/**
 * `npm run register-webhooks -- --url https://…/webhooks/complyadvantage [--case-state-updated]`:
 * points Mesh's case webhooks at the bridge, idempotently (src/register-webhooks/register.ts has the logic
 * and the usage text), and, with COMPLYCUBE_API_KEY set, ComplyCube's events at its route
 * (src/register-webhooks/complycube.ts), and, with COS_BASE_URL set, COS's OFAC and PEP events at the
 * bridge's /webhooks/cos (src/register-webhooks/cos.ts). Exit codes: 0 done, 1 a provider refused or
 * failed, 2 bad usage or configuration.
 */
import { runCommandLine } from '../platform/cli/command-line';
import { parseRegisterWebhooksArgs, registerWebhooks, REGISTER_WEBHOOKS_USAGE } from './register';
import { loadOrExit } from '../platform/config/env';
import {
  loadComplyCubeConnectionConfig,
  loadCosRegistrationConfig,
  loadMeshConnectionConfig,
} from './config';
import { createMeshWebhooks } from '../providers/mesh/webhooks';
import { MeshError } from '../providers/mesh/api';
import { registerComplyCubeWebhook } from './complycube';
import { ComplyCubeError } from '../providers/complycube/api';
import { createComplyCubeClient } from '../providers/complycube/client';
import { COMPLYCUBE_WEBHOOK_ROUTE, WEBHOOK_ROUTE } from '../bridge/app';
import { cosCallbackUrl, registerCosWebhooks } from './cos';
import { createCosClient } from '../providers/cos/client';
import { CosError } from '../providers/cos/errors';

runCommandLine({
  name: 'register-webhooks',
  usage: REGISTER_WEBHOOKS_USAGE,
  parse: parseRegisterWebhooksArgs,
  run: async (command) => {
    const config = loadOrExit(() => loadMeshConnectionConfig());
    const complyCube = loadOrExit(() => loadComplyCubeConnectionConfig());
    const cos = loadOrExit(() => loadCosRegistrationConfig());
    // Both checked before any call, so a usage problem never leaves one provider registered and not the other.
    if (complyCube === undefined && command.complyCube?.explicit === true) {
      process.stderr.write(
        '--complycube-url: COMPLYCUBE_API_KEY is not set, so nothing would be registered with ComplyCube\n',
      );
      return 2;
    }
    const complyCubeUrl = command.complyCube?.url;
    if (complyCube !== undefined && complyCubeUrl === undefined) {
      process.stderr.write(
        `--complycube-url: required with COMPLYCUBE_API_KEY set when --url does not end in ${WEBHOOK_ROUTE} (ComplyCube delivers to the bridge's ${COMPLYCUBE_WEBHOOK_ROUTE})\n`,
      );
      return 2;
    }
    let cosUrl: string | undefined;
    if (cos !== undefined) {
      try {
        cosUrl = cosCallbackUrl({
          webhookUrl: cos.webhookUrl,
          meshUrl: command.url,
          meshRoute: WEBHOOK_ROUTE,
        });
      } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        return 2;
      }
    }

    let code = 0;
    const out = (line: string) => void process.stdout.write(`${line}\n`);
    const mesh = createMeshWebhooks({ config });
    process.stdout.write(`Mesh: ${config.baseUrl}\n`);
    try {
      await registerWebhooks(mesh, command, out);
    } catch (err) {
      if (!(err instanceof MeshError)) throw err;
      // The message names the operation, status and the fields Mesh complained about (src/providers/mesh/errors.ts).
      process.stderr.write(`Mesh refused: ${err.message}\n`);
      code = 1;
    }

    // Independent of Mesh: a Mesh refusal does not keep ComplyCube's registration from being checked.
    if (complyCube !== undefined && complyCubeUrl !== undefined) {
      process.stdout.write(`ComplyCube: ${complyCube.baseUrl}\n`);
      try {
        await registerComplyCubeWebhook(
          createComplyCubeClient({ config: complyCube }),
          { url: complyCubeUrl, dryRun: command.dryRun },
          out,
        );
      } catch (err) {
        if (!(err instanceof ComplyCubeError)) throw err;
        // Status, ComplyCube's error type and field: never its message (src/providers/complycube/errors.ts).
        process.stderr.write(`ComplyCube refused: ${err.message}\n`);
        code = 1;
      }
    }

    // Independent of the others; with COS_BASE_URL unset the core-banking step is off: nothing to register.
    if (cos !== undefined && cosUrl !== undefined) {
      process.stdout.write(`COS: ${cos.connection.baseUrl}\n`);
      try {
        await registerCosWebhooks(
          createCosClient({ config: cos.connection }),
          {
            callbackUrl: cosUrl,
            partnerId: cos.connection.partnerId,
            username: cos.username,
            password: cos.password,
            dryRun: command.dryRun,
          },
          out,
        );
      } catch (err) {
        if (!(err instanceof CosError)) throw err;
        // The call and the status (and field names), never a body (src/providers/cos/errors.ts).
        process.stderr.write(`COS refused: ${err.message}\n`);
        code = 1;
      }
    }
    return code;
  },
});
