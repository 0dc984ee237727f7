import type { Rule } from "./rule";

/** Holds the rules by id; refuses an empty or duplicate id, so two rules can never be confused. */
export class RuleRegistry {
  readonly #rules = new Map<string, Rule>();

  register(rule: Rule): this {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule.id)) throw new Error(`rule id "${rule.id}" is not a kebab-case name`);
    if (this.#rules.has(rule.id)) throw new Error(`duplicate rule id "${rule.id}"`);
    for (const field of ["title", "explanation", "reference"] as const) {
      if (!rule[field]) throw new Error(`rule "${rule.id}" has no ${field}`);
    }
    this.#rules.set(rule.id, rule);
    return this;
  }

  all(): Rule[] {
    return [...this.#rules.values()];
  }
}
