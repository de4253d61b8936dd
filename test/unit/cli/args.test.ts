import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../../src/cli/actions.ts';
import { USAGE, parseArgs, run, type Io } from '../../../src/cli/kubectl-rss.ts';

function fails(argv: string[], message: RegExp): void {
  assert.throws(() => parseArgs(argv), (error: unknown) => error instanceof CliError && message.test(error.message), `${argv.join(' ')} → ${message}`);
}

describe('kubectl rss: arguments', () => {
  it('no arguments, help and --help ask for the usage', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help'], ['status', '--help'], ['-n', 'x']]) {
      assert.equal(parseArgs(argv).help, true, argv.join(' '));
    }
  });

  it('status with its output formats', () => {
    assert.deepEqual(parseArgs(['status', 'example']), { command: 'status', args: ['example'], output: 'text', help: false });
    for (const flags of [['-o', 'json'], ['-ojson'], ['-o=json'], ['--output', 'json'], ['--output=json']]) {
      assert.equal(parseArgs(['status', 'example', ...flags]).output, 'json', flags.join(' '));
    }
    assert.equal(parseArgs(['status', '-o', 'yaml', 'example']).output, 'yaml');
  });

  it('namespace, kubeconfig and context, before or after the command, in every spelling', () => {
    const want = { namespace: 'shop', kubeconfig: '/tmp/kc', context: 'prod' };
    for (const argv of [
      ['-n', 'shop', '--kubeconfig', '/tmp/kc', '--context', 'prod', 'fence', 'example', 'rss-example-1'],
      ['fence', 'example', 'rss-example-1', '--namespace=shop', '--kubeconfig=/tmp/kc', '--context=prod'],
      ['fence', '-nshop', 'example', '--context', 'prod', 'rss-example-1', '--kubeconfig', '/tmp/kc'],
      ['fence', '-n=shop', 'example', 'rss-example-1', '--kubeconfig', '/tmp/kc', '--context', 'prod'],
    ]) {
      const options = parseArgs(argv);
      assert.deepEqual({ namespace: options.namespace, kubeconfig: options.kubeconfig, context: options.context }, want, argv.join(' '));
      assert.equal(options.command, 'fence');
      assert.deepEqual(options.args, ['example', 'rss-example-1']);
    }
    assert.equal(parseArgs(['status', 'example']).namespace, undefined, 'no default here: it comes from the kubeconfig');
  });

  it('member commands take <cluster> <pod> or <pod> alone; cluster commands take <cluster>', () => {
    for (const command of ['seed', 'fence', 'unfence', 'restart']) {
      assert.deepEqual(parseArgs([command, 'rss-example-1']).args, ['rss-example-1']);
      assert.deepEqual(parseArgs([command, 'example', 'rss-example-1']).args, ['example', 'rss-example-1']);
      fails([command], new RegExp(`^${command} needs a member pod: kubectl rss ${command} \\[<cluster>\\] <pod>`));
      fails([command, 'a', 'b', 'c'], /too many arguments/);
    }
    for (const command of ['pause', 'resume', 'status']) {
      assert.deepEqual(parseArgs([command, 'example']).args, ['example']);
      fails([command], new RegExp(`^${command} needs the cluster name: kubectl rss ${command} <cluster>`));
      fails([command, 'example', 'rss-example-1'], /too many arguments/);
    }
    assert.deepEqual(parseArgs(['fence', '--', '-odd-name']).args, ['-odd-name'], '-- ends the flags');
  });

  it('rejects unknown commands and flags, missing flag values and bad output formats', () => {
    fails(['frobnicate', 'example'], /^unknown command "frobnicate"/);
    fails(['status', 'example', '--watch'], /^unknown flag: --watch/);
    fails(['status', 'example', '-w'], /^unknown flag: -w/);
    fails(['status', 'example', '-n'], /^flag needs an argument: -n/);
    fails(['status', 'example', '--namespace='], /non-empty/);
    fails(['status', 'example', '-o', 'wide'], /unsupported output format "wide"/);
    fails(['fence', 'rss-example-1', '-o', 'json'], /^-o applies to status and backups, not to fence$/);
    fails(['restore', 'example', '-o', 'yaml'], /^-o applies to status and backups, not to restore$/);
  });

  it('backup: --name, --target, --wait and --timeout, each checked', () => {
    assert.deepEqual(parseArgs(['backup', 'example']), { command: 'backup', args: ['example'], output: 'text', help: false }, 'nothing set that was not given');
    assert.deepEqual(parseArgs(['backup', 'example', '--name', 'before-upgrade', '--target=primary', '--wait', '--timeout', '90m']), {
      command: 'backup',
      args: ['example'],
      output: 'text',
      help: false,
      name: 'before-upgrade',
      target: 'primary',
      wait: true,
      timeoutMs: 90 * 60_000,
    });
    assert.equal(parseArgs(['--wait', 'backup', 'example', '--target', 'prefer-secondary']).target, 'prefer-secondary');
    assert.equal(parseArgs(['backup', 'example', '--wait']).timeoutMs, undefined, 'the default (1h) is applied when waiting');
    fails(['backup', 'example', '--target', 'secondary'], /^unsupported --target "secondary": use primary or prefer-secondary$/);
    fails(['backup', 'example', '--name', 'Before_Upgrade'], /^invalid --name "Before_Upgrade": a Backup name must be lower-case letters/);
    fails(['backup', 'example', '--name', 'x'.repeat(254)], /must be at most 253 characters/);
    fails(['backup', 'example', '--timeout', '10m'], /^--timeout applies with --wait only/);
    fails(['backup', 'example', '--wait', '--timeout', '7d'], /^--timeout: invalid duration "7d" \(unknown unit\)/);
    fails(['backup', 'example', '--wait', '--timeout', '0s'], /^--timeout must be longer than 0s$/);
    fails(['backup', 'example', '--wait=yes'], /^flag --wait takes no value/);
    fails(['backup', 'example', 'other'], /^too many arguments for backup: kubectl rss backup <cluster> \[--name NAME\] \[--target primary\|prefer-secondary\] \[--wait \[--timeout D\]\]$/);
    fails(['backup', '-o', 'json', 'example'], /^-o applies to status and backups, not to backup$/);
    for (const [flag, value] of [['--name', 'x'], ['--target', 'primary'], ['--wait', undefined], ['--timeout', '1m']] as const) {
      fails(['fence', 'example', 'rss-example-1', flag, ...(value === undefined ? [] : [value])], new RegExp(`^${flag} applies to backup only, not to fence$`));
    }
  });

  it('backups: the cluster, and -o json|yaml', () => {
    assert.deepEqual(parseArgs(['backups', 'example', '-o', 'yaml']), { command: 'backups', args: ['example'], output: 'yaml', help: false });
    fails(['backups'], /^backups needs the cluster name: kubectl rss backups <cluster>$/);
    fails(['backups', 'example', '--backup', 'x'], /^--backup applies to restore only, not to backups$/);
  });

  it('restore: the cluster, and the backup by --backup (a second positional is a mistake)', () => {
    assert.deepEqual(parseArgs(['restore', 'example']), { command: 'restore', args: ['example'], output: 'text', help: false });
    assert.equal(parseArgs(['restore', 'example', '--backup', 'example-nightly-20260301030000']).backup, 'example-nightly-20260301030000');
    assert.equal(parseArgs(['restore', '--backup=latest', 'example']).backup, 'latest');
    fails(['restore', 'example', 'example-nightly-20260301030000'], /^too many arguments for restore: kubectl rss restore <cluster> \[--backup NAME\]$/);
    fails(['restore', 'example', '--backup'], /^flag needs an argument: --backup$/);
    fails(['restore', 'example', '--wait'], /^--wait applies to backup only, not to restore$/);
  });

  it('run: usage on stdout with exit 0; usage errors on stderr with exit 1, before any connection', async () => {
    const io = () => {
      const captured = { out: '', err: '' };
      const sink: Io = { out: (t) => void (captured.out += t), err: (t) => void (captured.err += t), now: () => new Date(0) };
      return { captured, sink };
    };
    const help = io();
    assert.equal(await run([], help.sink), 0);
    assert.equal(help.captured.out, USAGE);
    for (const command of ['status', 'seed', 'fence', 'unfence', 'restart', 'pause', 'resume', 'backup', 'backups', 'restore']) assert.match(USAGE, new RegExp(`kubectl rss ${command} `));
    for (const flag of ['--name', '--target', '--wait', '--timeout', '--backup']) assert.match(USAGE, new RegExp(`^ +${flag} `, 'm'));
    assert.ok(USAGE.split('\n').every((line) => line.length <= 101), 'usage lines fit a terminal');

    const bad = io();
    assert.equal(await run(['status'], bad.sink), 1);
    assert.equal(bad.captured.out, '');
    assert.equal(bad.captured.err, 'error: status needs the cluster name: kubectl rss status <cluster>\n');

    const missing = io();
    assert.equal(await run(['status', 'example', '--kubeconfig', '/nonexistent/kubeconfig'], missing.sink), 1);
    assert.match(missing.captured.err, /^error: cannot load the kubeconfig \/nonexistent\/kubeconfig: /);
  });
});
