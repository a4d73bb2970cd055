export * from './account-actions.js';
export * from './audit-events.js';
export * from './counters.js';
export * from './deliveries.js';
export * from './escalations.js';
export * from './incidents.js';
export * from './problems.js';
export * from './rca-tickets.js';
