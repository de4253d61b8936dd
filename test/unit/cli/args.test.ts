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
    fails(['fence', 'rss-example-1', '-o', 'json'], /-o applies to status only/);
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
    for (const command of ['status', 'seed', 'fence', 'unfence', 'restart', 'pause', 'resume']) assert.match(USAGE, new RegExp(`kubectl rss ${command} `));

    const bad = io();
    assert.equal(await run(['status'], bad.sink), 1);
    assert.equal(bad.captured.out, '');
    assert.equal(bad.captured.err, 'error: status needs the cluster name: kubectl rss status <cluster>\n');

    const missing = io();
    assert.equal(await run(['status', 'example', '--kubeconfig', '/nonexistent/kubeconfig'], missing.sink), 1);
    assert.match(missing.captured.err, /^error: cannot load the kubeconfig \/nonexistent\/kubeconfig: /);
  });
});
