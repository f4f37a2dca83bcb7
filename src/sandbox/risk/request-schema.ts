/**
 * The body the sandbox accepts: the project's documented request (src/contracts/risk-request-schema.ts),
 * the same schema the adapter builds against.
 */
export { riskCheckRequestSchema } from '../../contracts/risk-request-schema';
export type { RiskCheckRequest as RiskCheckBody } from '../../contracts/risk-request-schema';
