// The LightGCN++ public splits the benchmark scripts run on: where each lives and the
// settings its authors recommend.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** LightGCN++ settings recommended by its authors per data set (alpha, beta, gamma, layers). */
export const lightgcnpp = {
  'ml-1m': ['0.5', '0', '0', '2'], lastfm: ['0.6', '-0.1', '0.2', '3'], 'amazon-beauty': ['0.5', '0', '0.2', '3'],
  'amazon-sports': ['0.6', '-0.1', '0', '3'], citeulike: ['0.5', '-0.1', '0.4', '3'],
};

/** `train-cli train` flags for LightGCN++ with its authors' settings on `data`. */
export function lightgcnppArgs(data) {
  const [alpha, beta, gamma, layers] = lightgcnpp[data];
  return ['--alpha', alpha, '--beta', beta, '--gamma', gamma, '--layers', layers];
}

/** The split folder of `data`: the repository's copy, else ../shared beside it. */
export function splitDir(root, data) {
  for (const dir of [join(root, 'data/lightgcnpp', data), join(root, '../shared/data/lightgcnpp', data)]) {
    if (existsSync(join(dir, 'train.txt'))) return dir;
  }
  throw new Error(`no split for ${data} in data/lightgcnpp or ../shared/data/lightgcnpp`);
}

/** `--batch-size` / `--lr` flags for `train-cli train` when the bench script was given them. */
export function batchArgs(args) {
  return [...(args['batch-size'] ? ['--batch-size', args['batch-size']] : []), ...(args.lr ? ['--lr', args.lr] : [])];
}
