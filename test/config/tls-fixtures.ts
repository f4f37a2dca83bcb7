import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away PKI made with `openssl` at test time (nothing to expire in the repository): a CA, a server
 * certificate for `localhost` / 127.0.0.1 and a client certificate, both signed by the CA, plus a second,
 * unrelated key. Files and their PEM text; EC P-256 keys in PKCS#8, as Temporal Cloud's guides make them.
 */
export interface TestPki {
  dir: string;
  path: {
    caCert: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
    otherKey: string;
  };
  pem: Record<keyof TestPki['path'], string>;
  remove(): void;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '2');
  const leaf = (name: string, cn: string, extensions: string) => {
    writeFileSync(at(`${name}.ext`), extensions);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  leaf(
    'server',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  leaf('client', 'test-client', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');

  const path = {
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    otherKey: at('other.key'),
  };
  const pem = Object.fromEntries(
    Object.entries(path).map(([k, p]) => [k, readFileSync(p, 'utf8')]),
  ) as TestPki['pem'];
  return { dir, path, pem, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
