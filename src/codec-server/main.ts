import pino from 'pino';
import { AesGcmCodec } from '../platform/codec/aes-gcm-codec';
import { loadCodecServerConfig } from './config';
import { loadEncryptionConfig } from '../platform/config/encryption';
import { ConfigError, loadOrExit } from '../platform/config/env';
import { loadTemporalConfig } from '../platform/config/temporal';
import { buildCodecServer, isLoopback } from './app';

/** `npm run codec-server`: decrypts payloads for the Temporal Web UI and CLI (docs/encryption.md). */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadCodecServerConfig());
  const temporal = loadOrExit(() => loadTemporalConfig());
  const encryption = loadOrExit(() => {
    const loaded = loadEncryptionConfig();
    if (loaded === undefined) {
      throw new ConfigError([
        'ENCRYPTION_KEY: required by the codec server (it has nothing to decrypt with)',
      ]);
    }
    return loaded;
  });
  const logger = pino({
    name: 'codec-server',
    level: 'info',
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  });

  const app = buildCodecServer({
    config,
    codec: new AesGcmCodec(encryption),
    namespace: temporal.namespace,
    logger,
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  if (config.authToken === undefined) {
    logger.warn(
      isLoopback(config.host) || config.host === 'localhost'
        ? 'CODEC_SERVER_AUTH_TOKEN is not set: serving clients on this machine only'
        : `CODEC_SERVER_AUTH_TOKEN is not set: listening on ${config.host}, but serving clients on this machine only`,
    );
  }
  await app.listen({ host: config.host, port: config.port });
  logger.info(
    {
      namespace: temporal.namespace,
      keyId: encryption.current.id,
      previousKeyIds: encryption.previous.map((k) => k.id),
      corsOrigins: config.corsOrigins,
      auth: config.authToken === undefined ? 'loopback-only' : 'bearer-token',
    },
    'codec server ready',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`codec server failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
