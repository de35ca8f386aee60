import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/** Bounds on one GraphQL request, so an absurd query is refused before it reaches the database. */
export type QueryLimits = {
  /** Characters in the query document. */
  maxChars: number;
  /** Tokens the parser reads before giving up. */
  maxTokens: number;
  /** Nesting of fields (`votes { proposal { space { strategies { name } } } }` is 4). */
  maxDepth: number;
  /** Fields at the root of one operation (each one is a database query). */
  maxRootFields: number;
  /** Fields in one operation, fragments expanded. */
  maxFields: number;
};

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxChars: 20_000, maxTokens: 5_000, maxDepth: 6, maxRootFields: 5, maxFields: 500 };

type Measure = { depth: number; fields: number };

/**
 * A validation rule that measures each operation with its fragments expanded (each fragment
 * measured once, cycles counted as nothing: the standard rules already refuse them) and refuses
 * one deeper, wider or with more root fields than `limits` allow. Introspection (`__schema`,
 * `__type`) is answered from memory and is not measured.
 */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, Measure>();
    const visiting = new Set<string>();

    const measure = (set: SelectionSetNode | undefined): Measure => {
      let depth = 0;
      let fields = 0;
      for (const sel of set?.selections ?? []) {
        let m: Measure;
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          const inner = measure(sel.selectionSet);
          m = { depth: inner.depth + 1, fields: inner.fields + 1 };
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          m = measure(sel.selectionSet);
        } else {
          m = fragment(sel.name.value);
        }
        depth = Math.max(depth, m.depth);
        fields += m.fields;
      }
      return { depth, fields };
    };

    const fragment = (name: string): Measure => {
      const known = fragments.get(name);
      if (known) return known;
      if (visiting.has(name)) return { depth: 0, fields: 0 };
      visiting.add(name);
      const m = measure(context.getFragment(name)?.selectionSet);
      visiting.delete(name);
      fragments.set(name, m);
      return m;
    };

    const rootFields = (set: SelectionSetNode, seen = new Set<string>()): number => {
      let n = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) n += sel.name.value.startsWith('__') ? 0 : 1;
        else if (sel.kind === Kind.INLINE_FRAGMENT) n += rootFields(sel.selectionSet, seen);
        else if (!seen.has(sel.name.value)) {
          seen.add(sel.name.value);
          const def = context.getFragment(sel.name.value);
          if (def) n += rootFields(def.selectionSet, seen);
        }
      }
      return n;
    };

    return {
      OperationDefinition(node) {
        const roots = rootFields(node.selectionSet);
        if (roots > limits.maxRootFields)
          context.reportError(new GraphQLError(`Query has ${roots} root fields; at most ${limits.maxRootFields} are allowed.`, { nodes: [node] }));
        const { depth, fields } = measure(node.selectionSet);
        if (depth > limits.maxDepth)
          context.reportError(new GraphQLError(`Query is ${depth} levels deep; at most ${limits.maxDepth} are allowed.`, { nodes: [node] }));
        if (fields > limits.maxFields)
          context.reportError(new GraphQLError(`Query selects ${fields} fields; at most ${limits.maxFields} are allowed.`, { nodes: [node] }));
      },
    };
  };
}
