// A module resolve hook: resolve workspace packages to their TypeScript sources, as
// `node --conditions=@goodtrace/source` would.
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@goodtrace/source')
    ? context.conditions
    : [...context.conditions, '@goodtrace/source'];
  return nextResolve(specifier, { ...context, conditions });
}
