export type {
  CaClassicSandboxOptions,
  CaClassicSettings,
  CaClassicSettingsPatchBody,
  DifferencesRoute,
} from './settings';
export {
  DEFAULT_CA_CLASSIC_API_KEY,
  DEFAULT_CA_CLASSIC_SETTINGS,
  DEFAULT_CA_CLASSIC_TAGS,
  DIFFERENCES_ROUTES,
} from './settings';
export {
  CA_CLASSIC_FAULT_KINDS,
  type CaClassicFaultBody,
  type CaClassicFaultKind,
  type CaClassicFaultView,
} from './faults';
export {
  CA_CLASSIC_EVENTS,
  type CaClassicDeliveryLogEntry,
  type CaClassicEventLogEntry,
  type CaClassicEventName,
  type CaClassicWebhookBody,
  type MatchStatusUpdatedData,
  type MonitoredSearchUpdatedData,
  type SearchStatusUpdatedData,
} from './webhooks';
export {
  CA_CLASSIC_CONTROL_PREFIX,
  type CaClassicDecisionBody,
  type CaClassicSandboxSearchSummary,
} from './control-routes';
export type { MonitorChangeBody } from './monitors';
export {
  ENTITY_MATCH_STATUSES,
  FIRST_SEARCH_ID,
  RISK_LEVELS,
  SEARCH_MATCH_STATUSES,
  type CaClassicRequestLogEntry,
  type EntityMatchStatus,
  type RiskLevel,
  type SearchMatchStatus,
} from './store';
export { NAME_RULES, normaliseName, type EntityDoc, type NameRule } from './entities';
export { SEARCH_TYPES } from './searches';
export { USERS, type CaClassicUser } from './users';
export type { CaClassicStatsSnapshot } from './stats';
export type { CaClassicFailureBody } from './errors';
export type { KeyVia } from './auth';
export {
  buildCaClassicServer,
  startCaClassicSandbox,
  type CaClassicSandbox,
  type CaClassicServer,
} from './server';
