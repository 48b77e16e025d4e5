/**
 * `opensts regions list|enable|disable`: where STS is active for the account (AWS has this only in the IAM
 * console). Regions enabled by default are active unless disabled; opt-in regions are inactive until enabled;
 * us-east-1, the global endpoint's region, is always active. A node serving an inactive region answers
 * RegionDisabledException; the nodes hear of a change at once through the store's change feed.
 */
import {
  declaredRegionNames,
  DEFAULT_REGIONS,
  GLOBAL_REGION,
  isOptInRegion,
  isRegionActive,
  isRegionName,
  OPT_IN_REGIONS,
} from '../service/regions.js';
import { openAdminStore, processIo, STORE_OPTIONS, storeValues, type AdminIo } from './admin.js';
import { type CommandSpec, parseCommand, UsageError } from './args.js';

export const regionsSpec: CommandSpec = {
  name: 'opensts regions',
  synopsis: `list [options]              where STS is active for the account
       opensts regions enable REGION [options]     activate STS in a region (opt-in regions need this)
       opensts regions disable REGION [options]    deactivate it (RegionDisabledException there)`,
  description: '',
  options: STORE_OPTIONS,
  maxPositionals: 3,
};

export async function regions(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const args = parseCommand(regionsSpec, argv, io.out);
  if (!args) return 0;
  const [sub, region, ...rest] = args.positionals;
  if (sub === undefined) throw new UsageError('opensts regions: a command is required: list, enable or disable');
  const valid =
    (sub === 'list' && region === undefined) || ((sub === 'enable' || sub === 'disable') && region !== undefined);
  if (!valid || rest.length)
    throw new UsageError(
      `opensts regions: unknown arguments: ${args.positionals.join(' ')} (the commands: list, enable REGION, disable REGION)`,
    );
  if (region !== undefined && !isRegionName(region))
    throw new UsageError(`opensts regions: not a region name: ${region}`);
  if (sub === 'disable' && region === GLOBAL_REGION)
    throw new Error(`STS in ${GLOBAL_REGION} (the global endpoint's region) is always active`);
  const { store, account } = await openAdminStore(storeValues(args), io.env, false);
  try {
    if (region !== undefined) {
      await store.setRegionActive(account.accountId, region, sub === 'enable');
      io.out(`STS is now ${sub === 'enable' ? 'active' : 'inactive'} in ${region} for account ${account.accountId}.\n`);
      return 0;
    }
    const settings = new Map((await store.listRegionSettings(account.accountId)).map((r) => [r.region, r.active]));
    const names = [
      ...new Set([...DEFAULT_REGIONS, ...OPT_IN_REGIONS, ...declaredRegionNames(), ...settings.keys()]),
    ].sort();
    const rows = names.map((r) => [
      r,
      isOptInRegion(r) ? 'opt-in' : 'enabled by default',
      isRegionActive(r, settings) ? 'active' : 'inactive',
    ]);
    const width = Math.max(...rows.map((r) => r[0]!.length));
    io.out(
      [
        `Account ${account.accountId}; global endpoint tokens: version ${account.globalEndpointTokenVersion}`,
        ...rows.map(([r, kind, state]) => `${r!.padEnd(width)}  ${kind!.padEnd(18)}  ${state}`),
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    await store.close();
  }
}
