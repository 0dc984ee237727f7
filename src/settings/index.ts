/**
 * Settings: list entries and the lists the analyzer applies (entries.ts), the schema of every
 * setting and policy key (schema.ts), and the issues their validators report (issues.ts).
 */
export * from "./entries";
export * from "./issues";
export * from "./schema";
