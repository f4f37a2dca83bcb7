// The workflow bundle's entry point: every workflow type the worker registers (the function name is the type).
export * from './onboarding/onboard-customer';
export * from './operations/update-customer-data';
export * from './operations/set-customer-monitoring';
export * from './operations/offboard-customer';
export * from './monitoring/monitoring-case-review';
export * from './screening/complycube-check-events';
export * from './screening/complycube-webhook-health';
export * from './core/core-customer';
export * from './screening/reconcile-abandoned-screening';
export * from './screening/ca-classic-search-events';
