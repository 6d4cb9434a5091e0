/**
 * How a person names an external system where an id is awkward (the command line, a column of an
 * import file): by its name, by its id, or by its type while only one system has that type.
 */
export interface NamedSystem {
  id: string;
  name: string;
  systemType: string;
}

export type SystemRefMatch<T extends NamedSystem> =
  | { by: 'name' | 'id'; systems: T[] }
  /** Every system of the type; products of that type with no live system match it too. */
  | { by: 'type'; type: string; systems: T[] }
  | { by: 'none'; systems: [] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fold = (s: string) => s.trim().toLowerCase();

/**
 * The systems `ref` designates, trying in turn: a system's exact name (names are unique), its id,
 * its name ignoring case and surrounding spaces, then one of `types` (all systems of that type,
 * which may be several: the caller refuses the ambiguity). A name comes before a type, so a
 * system an operator named "billing" is that system even if another system has the billing type.
 */
export function designatedSystems<T extends NamedSystem>(ref: string, systems: readonly T[], types: readonly string[]): SystemRefMatch<T> {
  const exact = systems.filter((s) => s.name === ref);
  if (exact.length) return { by: 'name', systems: exact };
  if (UUID.test(ref.trim())) {
    const byId = systems.filter((s) => s.id.toLowerCase() === ref.trim().toLowerCase());
    if (byId.length) return { by: 'id', systems: byId };
  }
  const folded = systems.filter((s) => fold(s.name) === fold(ref));
  if (folded.length) return { by: 'name', systems: folded };
  const type = types.find((t) => t === fold(ref));
  if (type) return { by: 'type', type, systems: systems.filter((s) => s.systemType === type) };
  return { by: 'none', systems: [] };
}

/** A list of names for messages: `"A", "B"`. */
export const quotedNames = (systems: readonly NamedSystem[]) => systems.map((s) => `"${s.name}"`).join(', ');

/**
 * The one system `ref` names, or why there is none: unknown, a type no system has, or a type
 * several systems have (the message lists their names, so the person can pick one).
 */
export function pickSystem<T extends NamedSystem>(ref: string, systems: readonly T[], types: readonly string[]): { system: T } | { error: string } {
  const match = designatedSystems(ref, systems, types);
  if (match.systems.length === 1) return { system: match.systems[0]! };
  if (match.by === 'type') {
    return match.systems.length === 0
      ? { error: `no ${match.type} system is configured` }
      : { error: `${match.systems.length} ${match.type} systems are configured (${quotedNames(match.systems)}); name one of them` };
  }
  if (match.systems.length > 1) return { error: `"${ref}" names ${match.systems.length} systems (${quotedNames(match.systems)}); give the exact name or the id` };
  return { error: `no external system is named "${ref}"${systems.length ? `; configured: ${quotedNames(systems)}` : '; none is configured'}` };
}
