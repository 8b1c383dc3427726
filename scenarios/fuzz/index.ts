// nsrsim's fuzzer (`import { scenarioArb } from 'nsrsim/fuzz'`): fast-check arbitraries
// that generate whole scenarios (swarm testing over fault families, random traffic,
// reads, design options, fault instants and same-instant tie-breaks), a printer that
// writes a scenario as the YAML file people write, the runner, the shrinker and the
// campaign engine behind `nsrsim fuzz`. See scenarios/README.md, "nsrsim fuzz".
export {
  fuzzCaseArb,
  scenarioArb,
  describeSwarm,
  FUZZ_LIMITS,
  FUZZ_APPS,
  type FuzzApps,
  type FuzzArbOptions,
  type FuzzCase,
} from './arbitraries.ts';
export {
  FAULT_FAMILIES,
  FAMILY_NAMES,
  KNOWN_UNSAFE_OPTIONS,
  familyOf,
  repairUnsafe,
  type FamilyName,
  type Swarm,
  type UnsafeOption,
} from './families.ts';
export {
  saneSchedule,
  INTER_RE_OUTAGE_SAFE_NS,
  RESYNC_NS,
  type ScheduleContext,
} from './schedule.ts';
export { MUTANT_BIAS, biasFor } from './bias.ts';
export { toYaml, scenarioObject, scenarioSize, type ToYamlOptions } from './yaml.ts';
export {
  runCase,
  caseForSeed,
  caseArb,
  arbOptions,
  failsLike,
  INTERNAL_ERROR_CHECK,
  type CaseResult,
  type FuzzTarget,
} from './run-case.ts';
export {
  shrinkFailure,
  correctTwin,
  SHRINK_BUDGET_DEFAULT,
  type Shrunk,
  type ShrinkLimits,
  type ShrinkStop,
} from './shrink.ts';
export { failureSignature, signatureChecker, type SignedViolation } from './signature.ts';
export { writeFinding, findingName, type Finding, type FindingMeta } from './finding.ts';
export {
  runSeed,
  parseShard,
  resolveShard,
  shardRun,
  type Shard,
  type ShardSource,
} from './seeds.ts';
export {
  runCampaign,
  executor,
  DEFAULT_RUNS,
  MAX_FAILURES_DEFAULT,
  SHRINK_RESERVE_RUNS,
  type CampaignOptions,
  type CampaignReport,
  type CampaignFailure,
  type FailureGroup,
  type Progress,
} from './campaign.ts';
export { mergeReports, missingShards, type ReportInput } from './merge.ts';
export {
  campaignJson,
  mutantRow,
  type CampaignJson,
  type MutantsJson,
  type MutantRow,
} from './report-json.ts';
export {
  checkDeterminism,
  firstDifference,
  sampleRuns,
  type Divergence,
  type DeterminismReport,
} from './determinism.ts';
