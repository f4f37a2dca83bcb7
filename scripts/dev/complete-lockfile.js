// Adds lock entries for optional platform packages the lock's parents name but the lock lacks
// (the registry mirror the lock was made against has no such versions). Platform fields come from the name.
const fs = require('fs');
const file = process.argv[2];
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pk = lock.packages;
let added = [];
for (const [path, node] of Object.entries(pk)) {
  for (const [dep, version] of Object.entries(node.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pk[key] || pk[`${path}/node_modules/${dep}`]) continue;
    const suffix = dep.split('/').pop();
    const os = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony'].find((o) =>
      suffix.includes(`-${o}-`),
    );
    const cpu = ['arm64', 'x64', 'arm', 'ia32', 'ppc64', 's390x', 'loong64', 'riscv64'].find((c) =>
      new RegExp(`-${c}(-|$)`).test(suffix),
    );
    if (!os || !cpu) {
      console.error('cannot infer platform of', dep);
      process.exitCode = 1;
      continue;
    }
    const entry = { version, cpu: [cpu] };
    if (node.dev) entry.dev = true;
    if (/-gnu(eabihf)?$/.test(suffix)) entry.libc = ['glibc'];
    if (/-musl(eabihf)?$/.test(suffix)) entry.libc = ['musl'];
    entry.optional = true;
    entry.os = [os];
    pk[key] = entry;
    added.push(`${dep}@${version} ${os}/${cpu}${entry.libc ? '/' + entry.libc[0] : ''}`);
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(added.length, 'entries added\n' + added.join('\n'));
