// The workflow bundle's entry point: every workflow type the worker registers (the function name is the type).
export * from './onboard-customer';
export * from './update-customer-data';
export * from './set-customer-monitoring';
export * from './offboard-customer';
export * from './monitoring-case-review';
